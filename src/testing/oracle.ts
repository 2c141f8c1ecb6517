/**
 * Running OpenSCAP as the oracle in tests: a bounded, retried `oscap` run,
 * and the prerequisite check that skips, or fails under
 * VIGIL_REQUIRE_ORACLE=1, when oscap or the SSG content is missing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export const CONTENT = process.env['VIGIL_SSG_CONTENT'] ?? '/usr/share/xml/scap/ssg/content';
export const OSCAP = 'oscap';
export const REQUIRE_ORACLE = process.env['VIGIL_REQUIRE_ORACLE'] === '1';

// ---------------------------------------------------------------- prerequisites

export interface Run {
  /** The exit code; null when the process was killed by a signal. */
  readonly code: number | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command; resolves with its exit code (never rejects on a non-zero exit or a timeout). */
export function run(file: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
        timeout: opts.timeoutMs,
        killSignal: 'SIGKILL',
        env: opts.env ?? process.env,
        ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
      },
      (err, stdout, stderr) => {
        if (err && typeof err.code === 'string') return reject(new Error(`${file} ${args.join(' ')}: ${err.message}`));
        resolve({
          code: err ? (typeof err.code === 'number' ? err.code : null) : 0,
          timedOut: err?.killed === true,
          stdout,
          stderr,
        });
      },
    );
  });
}

/**
 * oscap 1.3.7 now and then deadlocks in its probe threads (every thread in
 * pthread_cond_wait, no CPU used; seen once in about 80 evaluations that
 * normally take 1-2 s). A run that outlives its time limit is killed and
 * retried; only a run that completes is compared.
 */
const ORACLE_TIMEOUT_MS = Number(process.env['VIGIL_ORACLE_TIMEOUT_MS'] ?? 90_000);
const ORACLE_ATTEMPTS = 3;

export async function oscap(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; note?: (s: string) => void } = {}): Promise<Run> {
  for (let attempt = 1; ; attempt++) {
    const r = await run(OSCAP, args, { ...opts, timeoutMs: ORACLE_TIMEOUT_MS });
    if (!r.timedOut) return r;
    const what = `oscap ${args.join(' ')} did not finish within ${ORACLE_TIMEOUT_MS / 1000} s (attempt ${attempt} of ${ORACLE_ATTEMPTS})`;
    if (attempt >= ORACLE_ATTEMPTS) assert.fail(`${what}; giving up`);
    opts.note?.(`${what}; killed and retried`);
  }
}

let oscapVersion: Promise<string | undefined> | undefined;
/** oscap's version line, or undefined when oscap cannot be run. */
export function findOscap(): Promise<string | undefined> {
  oscapVersion ??= run(OSCAP, ['--version'], { timeoutMs: 30_000 }).then(
    (r) => (r.code === 0 ? (r.stdout.split('\n')[0] ?? '').trim() : undefined),
    () => undefined,
  );
  return oscapVersion;
}

/**
 * Checks the prerequisites of a test. Returns true when they are met.
 * Otherwise fails the test under VIGIL_REQUIRE_ORACLE=1, or skips it.
 */
export async function prerequisites(t: TestContext, needs: { oscap?: boolean; files: readonly string[] }): Promise<boolean> {
  const missing: string[] = [];
  if (needs.oscap) {
    const v = await findOscap();
    if (v === undefined) missing.push(`the oscap command (Debian package openscap-scanner; "${OSCAP} --version" could not be run)`);
    else t.diagnostic(`oracle: ${v}`);
  }
  const absent = needs.files.filter((f) => !existsSync(join(CONTENT, f)));
  if (!existsSync(CONTENT)) missing.push(`the SSG content directory ${CONTENT} (Debian packages ssg-debian ssg-debderived ssg-nondebian ssg-applications)`);
  else if (absent.length) missing.push(`SSG content in ${CONTENT}: ${absent.join(', ')}`);
  if (missing.length === 0) return true;
  return oracleMissing(t, `missing ${missing.join('; and ')}`);
}

/**
 * An oracle (oscap, perl, dpkg, rpm, ...) is not available: fails the test
 * under VIGIL_REQUIRE_ORACLE=1, else skips it, naming what is missing.
 * Returns false, so callers can `return oracleMissing(t, ...)`.
 */
export function oracleMissing(t: TestContext, what: string): false {
  if (REQUIRE_ORACLE) assert.fail(`VIGIL_REQUIRE_ORACLE=1 but the oracle is not available: ${what}`);
  t.skip(`${what} (set VIGIL_REQUIRE_ORACLE=1 to make this a failure)`);
  return false;
}

/** Rule results from `oscap xccdf eval` (or `vigil xccdf eval`) output: rule id → result. */
export function evalResults(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  let rule: string | undefined;
  for (const line of stdout.split('\n')) {
    const m = /^(Rule|Result)\r?\t(\S+)/.exec(line);
    if (!m) continue;
    if (m[1] === 'Rule') rule = m[2];
    else if (rule !== undefined) out.set(rule, m[2]!);
  }
  return out;
}
