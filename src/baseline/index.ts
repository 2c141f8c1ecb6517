/**
 * The Vigil Linux baseline: distribution-neutral checks that apply to any
 * current Linux host, written with the SDK. `npm run build:baseline`
 * compiles it to content/vigil-linux-baseline-ds.xml, the data stream
 * Vigil ships.
 */
import { benchmark, profile } from '../sdk/index.js';
import { accountsGroup } from './accounts.js';
import { cronGroup, filesystemGroup } from './filesystem.js';
import { coreDumpGroup, kernelGroup } from './kernel.js';
import { networkGroup } from './network.js';
import { linux } from './platforms.js';
import { servicesGroup } from './services.js';
import { sshGroup } from './ssh.js';
import { passMaxDays, passMinDays, passWarnAge, sshdIdleTimeout, sshdMaxAuthTries } from './values.js';

const groups = [sshGroup, accountsGroup, filesystemGroup, cronGroup, kernelGroup, coreDumpGroup, networkGroup, servicesGroup];

export const baseline = benchmark({
  id: 'linux_baseline',
  namespace: 'dev.vigil',
  stem: 'vigil-linux-baseline',
  title: 'Vigil Linux Baseline',
  description:
    'Well-understood hardening checks that apply to any current Linux distribution: the SSH daemon, the account files, password aging, world-writable directories, cron, kernel and network parameters, core dumps and legacy services. Each rule explains why it matters and carries Ansible and bash fixes.',
  version: '1.0.0',
  status: 'draft',
  date: '2025-06-01',
  publisher: 'Vigil',
  source: 'https://github.com/vigil-scan/vigil',
  platforms: [linux],
  children: groups,
  profiles: [
    profile({
      id: 'baseline',
      title: 'Vigil Linux Baseline',
      description: 'Every rule of the baseline, with its default values.',
      select: groups,
    }),
    profile({
      id: 'strict',
      title: 'Vigil Linux Baseline (strict)',
      description: 'Every rule of the baseline, with stricter values: 3 SSH authentication attempts, a 180-second SSH idle timeout, passwords changed every 90 days, at most once a week, with two weeks\' warning.',
      select: groups,
      values: [
        [sshdMaxAuthTries, 'strict'],
        [sshdIdleTimeout, 'strict'],
        [passMaxDays, 'strict'],
        [passMinDays, 'strict'],
        [passWarnAge, 'strict'],
      ],
    }),
  ],
});

export default baseline;
