/**
 * `vigil watch`: the continuous-compliance daemon (daemon/run.ts). Runs
 * until SIGTERM or SIGINT, then stops cleanly and exits 0; exits 1 when it
 * cannot start (no content, a bad config, an address it may not listen on).
 */
import type { Command } from 'commander';
import { ContentError } from '../model/errors.js';
import { rootOption, type CliIo } from './xccdf-commands.js';

interface WatchFlags {
  content?: string;
  contentDir: string;
  profile?: string;
  tailoringFile?: string;
  root?: string;
  hostKernel?: boolean;
  stateDir?: string;
  listen?: string;
  tokenFile?: string;
  config?: string;
  reportTo?: string;
  reportTokenFile?: string;
  reportHost?: string;
  json?: boolean;
  logFormat: string;
}

export function registerWatchCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('watch')
    .description('evaluate once, then re-evaluate only the rules whose inputs change, and report drift as it happens')
    .option('--content <file>', 'the data stream to use (default: the one matching /etc/os-release, as vigil scan)')
    .option('--content-dir <dir>', 'where installed content lives', '/usr/share/xml/scap/ssg/content')
    .option('--profile <id>', 'the profile (default: as vigil scan)')
    .option('--tailoring-file <file>', 'an XCCDF tailoring file')
    .option('--root <dir>', 'watch an offline root directory')
    .option('--host-kernel', "with --root: the root is a chroot or a running container on this host")
    .option('--state-dir <dir>', 'keep state and history here (SQLite), to resume after a restart; in memory when absent')
    .option('--listen <addr>', 'serve the HTTP API on 127.0.0.1:PORT, [::1]:PORT or unix:/path')
    .option('--token-file <file>', 'the bearer token the API requires (a file readable by its owner only)')
    .option('--config <file>', 'YAML: intervals, retention, webhook, attestations, policy windows (docs/WATCH.md)')
    .option('--report-to <url>', 'send the state and drift events to a vigil serve (http://HOST:PORT)')
    .option('--report-token-file <file>', "the serve's bearer token (a file readable by its owner only)")
    .option('--report-host <name>', 'this host\'s name in the store (default: its host name)')
    .option('--json', 'events as JSON lines on stdout')
    .option('--log-format <format>', 'logs on stderr: text or json', 'text')
    .action(async (o: WatchFlags) => {
      if (o.logFormat !== 'text' && o.logFormat !== 'json') throw new ContentError('invalid-value', `unknown --log-format ${o.logFormat}; choose text or json`);
      const { runWatch } = await import('../daemon/run.js');
      const root = rootOption(o.root, io);
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      try {
        const code = await runWatch(
          {
            contentDir: o.contentDir,
            ...(o.content !== undefined ? { content: o.content } : {}),
            ...(o.profile !== undefined ? { profile: o.profile } : {}),
            ...(o.tailoringFile !== undefined ? { tailoringFile: o.tailoringFile } : {}),
            ...(root !== undefined ? { root } : {}),
            hostKernel: o.hostKernel === true,
            ...(o.stateDir !== undefined ? { stateDir: o.stateDir } : {}),
            ...(o.listen !== undefined ? { listen: o.listen } : {}),
            ...(o.tokenFile !== undefined ? { tokenFile: o.tokenFile } : {}),
            ...(o.config !== undefined ? { config: o.config } : {}),
            ...(o.reportTo !== undefined ? { reportTo: o.reportTo } : {}),
            ...(o.reportTokenFile !== undefined ? { reportTokenFile: o.reportTokenFile } : {}),
            ...(o.reportHost !== undefined ? { reportHost: o.reportHost } : {}),
            json: o.json === true,
            logFormat: o.logFormat,
          },
          io,
          stop.signal,
        );
        setExit(code);
      } catch (e) {
        // what the user can fix: a config, an address, a token or secret file, a state directory
        if (e instanceof Error && ['ConfigError', 'ListenError', 'StoreError'].includes(e.name)) {
          io.err(`vigil: error: ${e.message}\n`);
          setExit(1);
          return;
        }
        throw e;
      } finally {
        process.removeListener('SIGTERM', onSignal);
        process.removeListener('SIGINT', onSignal);
      }
    });
}
