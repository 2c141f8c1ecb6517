/**
 * `vigil scan` in a real terminal: the command runs in a tmux pane (a
 * private tmux server on a socket in a temp dir) on a synthetic root, and
 * the pane's contents, with their escape sequences, are what a user sees:
 * the coloured summary, the notice when the content does not apply, no
 * colour with NO_COLOR, and the progress bar gone once the scan is done.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { baselineDataStreamPath, BASELINE_PROFILE } from '../app/baseline.js';

const REPO = new URL('../..', import.meta.url).pathname;
const BIN = join(REPO, 'src/cli/bin.ts');
const TSX = import.meta.resolve('tsx');
const haveTmux = spawnSync('tmux', ['-V']).status === 0;

const work = mkdtempSync(join(tmpdir(), 'vigil-cli-tmux-'));
const socket = join(work, 'tmux.sock');
const tmux = (...args: string[]): string => execFileSync('tmux', ['-S', socket, ...args], { encoding: 'utf8' });
after(() => {
  spawnSync('tmux', ['-S', socket, 'kill-server']);
  rmSync(work, { recursive: true, force: true });
});

const root = join(work, 'root');
mkdirSync(join(root, 'etc/ssh'), { recursive: true });
writeFileSync(join(root, 'etc/os-release'), 'NAME="Debian GNU/Linux"\nVERSION="12 (bookworm)"\nID=debian\nVERSION_ID="12"\n');
writeFileSync(join(root, 'etc/ssh/sshd_config'), 'PermitRootLogin yes\n');
writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
let session = 0;

/** Runs `vigil args` in a fresh 160x60 pane and returns the pane (with escapes) once it has exited. */
async function inPane(args: readonly string[], env: Record<string, string> = {}): Promise<{ screen: string; code: number }> {
  const name = `v${session++}`;
  const vars = Object.entries({ XDG_STATE_HOME: join(work, 'state'), OSCAP_PROBE_ROOT: '', ...env }).map(([k, v]) => `${k}=${quote(v)}`);
  const command = `cd ${quote(work)} && env ${vars.join(' ')} ${quote(process.execPath)} --import ${quote(TSX)} ${quote(BIN)} ${args.map(quote).join(' ')}; echo "EXIT=$?"; sleep 600`;
  // no NO_COLOR of the test's own environment reaches the pane
  tmux('new-session', '-d', '-s', name, '-x', '160', '-y', '60', '-e', 'NO_COLOR=', 'sh', '-c', command);
  try {
    for (let i = 0; i < 1200; i++) {
      const screen = tmux('capture-pane', '-p', '-e', '-J', '-t', name, '-S', '-200');
      const m = /EXIT=(\d+)/.exec(screen);
      if (m) return { screen, code: Number(m[1]) };
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the pane did not finish: ${tmux('capture-pane', '-p', '-t', name)}`);
  } finally {
    spawnSync('tmux', ['-S', socket, 'kill-session', '-t', name]);
  }
}

describe('vigil scan in a terminal (tmux)', { skip: !haveTmux && 'needs tmux' }, () => {
  it('a coloured summary: fail in red, pass in green, and how to fix', async () => {
    const { screen, code } = await inPane(['scan', '-c', baselineDataStreamPath(), '-p', BASELINE_PROFILE, '--root', root, '--no-html-report']);
    assert.equal(code, 2, screen);
    assert.match(screen, /Rules: +60 evaluated: \x1b\[32m\d+ pass\x1b\[(0|39)m, \x1b\[31m\d+ fail\x1b\[(0|39)m/);
    assert.match(screen, /Needs attention \(\d+, most severe first\):/);
    assert.match(screen, /\x1b\[33mmedium \x1b\[(0|39)m \x1b\[31mfail {3}\x1b\[(0|39)m Set the maximum password age/);
    assert.match(screen, /Fix: +vigil fix --fix-type ansible/);
    // the progress bar was cleared: no "[###...] n/60" remains on the screen
    assert.doesNotMatch(screen, /\[#+\.*\] \d+\/\d+/);
  });

  it('NO_COLOR: the same summary without a single escape sequence', async () => {
    const { screen, code } = await inPane(['scan', '-c', baselineDataStreamPath(), '-p', BASELINE_PROFILE, '--root', root, '--no-html-report'], { NO_COLOR: '1' });
    assert.equal(code, 2, screen);
    assert.match(screen, /Rules: +60 evaluated: \d+ pass, \d+ fail/);
    assert.doesNotMatch(screen.replace(/EXIT=\d+[\s\S]*$/, ''), /\x1b\[[0-9;]*[1-9][0-9;]*m/);
  });

  it('content for another system: the notice stands out, and the exit is 1', async () => {
    const other = join(work, 'other-root');
    mkdirSync(join(other, 'etc'), { recursive: true });
    // the baseline applies to Linux; an empty root without a kernel or packages leaves every rule notapplicable
    const { screen, code } = await inPane(['scan', '-c', baselineDataStreamPath(), '-p', BASELINE_PROFILE, '--root', other, '--no-html-report', '--rule', 'sshd_*']);
    assert.equal(code, 1, screen);
    assert.match(screen, /(\x1b\[1;33m|\x1b\[1m\x1b\[33m)Nothing was checked\x1b\[0m/);
    assert.match(screen, /--allow-not-applicable/);
  });
});
