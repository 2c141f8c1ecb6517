/**
 * What the process does when told to stop (SIGINT, SIGTERM, SIGHUP) or when
 * it exits: the temporary files of outputs being written are removed, so
 * nothing half-written is left at or beside a requested path. Then the
 * signal takes its usual course (the process dies of it, as a shell
 * expects), unless a command has its own handler for it (as `watch` may).
 */
import { removePendingFiles } from '../results/atomic-file.js';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Installs the handlers once for the process; bin.ts calls it. */
export function installOutputCleanup(): void {
  for (const signal of STOP_SIGNALS) {
    const onSignal = (): void => {
      removePendingFiles();
      if (process.listenerCount(signal) > 1) return;
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
  process.on('exit', removePendingFiles);
}
