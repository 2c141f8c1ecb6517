/**
 * A small streaming XML writer: text is buffered and flushed to a file
 * descriptor in large chunks, so documents with millions of items never sit
 * in memory as one string.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export { attrs, esc, escAttr } from '../model/xml/escape.js';

export class XmlFileWriter {
  private readonly fd: number;
  private buf: string[] = [];
  private size = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  write(s: string): void {
    this.buf.push(s);
    this.size += s.length;
    if (this.size > 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.buf.length === 0) return;
    writeSync(this.fd, this.buf.join(''));
    this.buf = [];
    this.size = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
