/**
 * Streamed XML goes to an OutputFile (atomic-file.ts): text is buffered and
 * written in large chunks, so documents with millions of items never sit in
 * memory as one string, and the file appears whole or not at all.
 */
export { attrs, esc, escAttr } from '../model/xml/escape.js';
export { OutputFile as XmlFileWriter, saveFile } from './atomic-file.js';
