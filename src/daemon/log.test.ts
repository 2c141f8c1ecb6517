/**
 * The daemon's log: JSON lines and text lines, secret-named fields
 * redacted at any depth, control characters kept out of what is printed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, type LogFormat } from './log.js';

const NOW = new Date('2026-12-05T23:45:01.250Z');

function capture(format: LogFormat): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const log = createLogger(format, { write: (s: string) => lines.push(s) }, { now: () => NOW });
  return { lines, log };
}

describe('createLogger, json', () => {
  it('writes one object a line: time, level, msg, then the fields', () => {
    const { lines, log } = capture('json');
    log.info('webhook delivered', { event: 7, attempts: 2 });
    log.warn('w');
    log.error('e', { err: Object.assign(new Error('boom'), { code: 'ECONNREFUSED' }) });
    assert.equal(lines.length, 3);
    assert.ok(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n')));
    assert.equal(lines[0], '{"time":"2026-12-05T23:45:01.250Z","level":"info","msg":"webhook delivered","event":7,"attempts":2}\n');
    assert.deepEqual(JSON.parse(lines[1]!), { time: NOW.toISOString(), level: 'warn', msg: 'w' });
    assert.deepEqual(JSON.parse(lines[2]!).err, { message: 'boom', code: 'ECONNREFUSED' });
  });

  it('redacts secret-named fields at any depth, and keeps the reserved keys', () => {
    const { lines, log } = capture('json');
    log.info('m', {
      token: 'abc',
      webhookSecret: 's3cret',
      headers: { Authorization: 'Bearer abc', accept: 'x' },
      password: 'pw',
      level: 'spoof',
      tokens: 3,
    });
    const o = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(o.level, 'info');
    assert.equal(o._level, 'spoof');
    assert.equal(o.token, '[redacted]');
    assert.equal(o.webhookSecret, '[redacted]');
    assert.equal(o.password, '[redacted]');
    assert.equal(o.tokens, '[redacted]');
    assert.deepEqual(o.headers, { Authorization: '[redacted]', accept: 'x' });
    assert.ok(!lines[0]!.includes('abc') && !lines[0]!.includes('s3cret') && !lines[0]!.includes('pw"'));
  });

  it('escapes what a terminal would act on, and survives cycles and bigints', () => {
    const { lines, log } = capture('json');
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    log.info('a\u001b[31mred\u009b2J\u202eevil\nline', { cyclic, n: 12n });
    assert.equal(lines.length, 1);
    assert.doesNotMatch(lines[0]!.slice(0, -1), /[\u0000-\u001f\u007f-\u009f\u202e]/);
    const o = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(o.msg, 'a\u001b[31mred\u009b2J\u202eevil\nline');
    assert.deepEqual(o.cyclic, { a: 1, self: '[circular]' });
    assert.equal(o.n, '12');
  });
});

describe('createLogger, text', () => {
  it('writes time, level, message and key=value, quoting where needed', () => {
    const { lines, log } = capture('text');
    log.warn('webhook delivery failed', { event: 3, status: 503, reason: 'Service Unavailable', empty: '', skipped: undefined });
    assert.equal(lines[0], '2026-12-05T23:45:01.250Z warn webhook delivery failed event=3 status=503 reason="Service Unavailable" empty=""\n');
  });

  it('strips control characters from the message, keys and values', () => {
    const { lines, log } = capture('text');
    log.info('file changed\n2026-12-05T00:00:00.000Z info forged', { 'pa\tth': '/etc/x\u001b]0;title\u0007\r\nmore', note: '\u202eabc' });
    assert.equal(lines.length, 1);
    const line = lines[0]!.slice(0, -1);
    assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u202e]/);
    assert.equal(line, '2026-12-05T23:45:01.250Z info file changed2026-12-05T00:00:00.000Z info forged path=/etc/x]0;titlemore note=abc');
  });

  it('redacts secret-named fields', () => {
    const { lines, log } = capture('text');
    log.info('m', { token: 'abc', Authorization: 'Bearer abc', secret_file: '/etc/vigil/s', nested: { password: 'pw' } });
    assert.equal(lines[0], '2026-12-05T23:45:01.250Z info m token=[redacted] Authorization=[redacted] secret_file=[redacted] nested="{\\"password\\":\\"[redacted]\\"}"\n');
  });

  it('never throws, even when the stream does', () => {
    const log = createLogger('text', {
      write: () => {
        throw new Error('EPIPE');
      },
    });
    assert.doesNotThrow(() => log.error('x', { a: 1 }));
  });
});
