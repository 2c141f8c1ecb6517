/**
 * The baseline's platforms. Each is decided by files alone, so that it reads
 * the same on a live host, an offline root and a mock target, whatever the
 * distribution.
 */
import { fileExists, platform } from '../sdk/index.js';

/** Any Linux system: it describes itself in os-release (systemd's, and every current distribution's). */
export const linux = platform({
  id: 'linux',
  title: 'Linux',
  cpe: 'cpe:/o:linux:linux_kernel',
  check: fileExists(['/etc/os-release', '/usr/lib/os-release'], { description: 'the system has an os-release file' }),
});

/** The OpenSSH server is installed. */
export const sshServer = platform({
  id: 'sshd',
  title: 'OpenSSH server',
  check: fileExists('/usr/sbin/sshd', { description: 'the OpenSSH server /usr/sbin/sshd is installed' }),
});

/** A cron daemon is installed (cron on Debian, cronie on Red Hat). */
export const cronDaemon = platform({
  id: 'cron',
  title: 'cron daemon',
  check: fileExists(['/usr/sbin/cron', '/usr/sbin/crond'], { description: 'a cron daemon is installed' }),
});

/** systemd's core dump handler is installed. */
export const systemdCoredump = platform({
  id: 'systemd_coredump',
  title: 'systemd-coredump',
  check: fileExists(['/usr/lib/systemd/systemd-coredump', '/lib/systemd/systemd-coredump'], { description: 'systemd-coredump is installed' }),
});
