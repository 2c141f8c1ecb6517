/**
 * known_hosts, as OpenSSH reads it (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"):
 * comma-separated patterns (`*`, `?`, `!` negation, `[host]:port` for a
 * port other than 22) or a hashed name (`|1|salt|HMAC-SHA1(salt, name)`),
 * the key type and the base64 key. `@revoked` keys are refused;
 * `@cert-authority` lines are not used (no certificates).
 */
import { createHmac } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type HostKeyVerdict = 'known' | 'unknown' | 'changed' | 'revoked';

interface Entry {
  readonly marker?: string;
  readonly patterns: string;
  readonly type: string;
  readonly key: string;
}

/** The name known_hosts records for a host and port: `host`, or `[host]:port`. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function parse(text: string): Entry[] {
  const out: Entry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(/\s+/);
    const marker = f[0]!.startsWith('@') ? f.shift() : undefined;
    if (f.length < 3) continue;
    out.push({ ...(marker ? { marker } : {}), patterns: f[0]!, type: f[1]!, key: f[2]! });
  }
  return out;
}

function glob(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(name);
}

function matches(patterns: string, names: readonly string[]): boolean {
  if (patterns.startsWith('|1|')) {
    const [, , salt, hash] = patterns.split('|');
    if (!salt || !hash) return false;
    return names.some((n) => createHmac('sha1', Buffer.from(salt, 'base64')).update(n).digest('base64') === hash);
  }
  let hit = false;
  for (const p of patterns.split(',')) {
    if (p.startsWith('!')) {
      if (names.some((n) => glob(p.slice(1), n))) return false;
    } else if (names.some((n) => glob(p, n))) hit = true;
  }
  return hit;
}

/** The key type written inside an SSH public key blob (its first string). */
export function keyTypeOf(blob: Buffer): string {
  const n = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + n).toString('ascii');
}

export class KnownHosts {
  private readonly entries: Entry[];

  constructor(readonly file: string) {
    this.entries = existsSync(file) ? parse(readFileSync(file, 'utf8')) : [];
  }

  private forHost(names: readonly string[]): Entry[] {
    return this.entries.filter((e) => matches(e.patterns, names));
  }

  /** The key types recorded for the host, to ask the server for those first. */
  typesFor(names: readonly string[]): string[] {
    return [...new Set(this.forHost(names).filter((e) => e.marker === undefined).map((e) => e.type))];
  }

  /**
   * `known` when a line for the host has this key; `revoked` when the key
   * is marked so; `changed` when the host is recorded with other keys
   * (of any type: the server was asked for the recorded types first);
   * `unknown` when the host is not recorded at all.
   */
  verify(names: readonly string[], blob: Buffer): HostKeyVerdict {
    const b64 = blob.toString('base64');
    if (this.entries.some((e) => e.marker === '@revoked' && e.key === b64)) return 'revoked';
    const mine = this.forHost(names).filter((e) => e.marker === undefined);
    if (mine.some((e) => e.key === b64)) return 'known';
    return mine.length > 0 ? 'changed' : 'unknown';
  }

  /** Records the key for the host (OpenSSH's accept-new): one plain line appended, the file created 0600. */
  add(name: string, blob: Buffer): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const gap = existsSync(this.file) && !readFileSync(this.file, 'utf8').endsWith('\n') && readFileSync(this.file).length > 0 ? '\n' : '';
    appendFileSync(this.file, `${gap}${name} ${keyTypeOf(blob)} ${blob.toString('base64')}\n`, { mode: 0o600 });
    this.entries.push({ patterns: name, type: keyTypeOf(blob), key: blob.toString('base64') });
  }
}
