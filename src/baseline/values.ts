/** The baseline's tunables, with a stricter option each for the `strict` profile. */
import { value } from '../sdk/index.js';

export const sshdMaxAuthTries = value({
  id: 'sshd_max_auth_tries',
  title: 'Maximum SSH authentication attempts',
  description: 'The most authentication attempts sshd allows per connection (`MaxAuthTries`).',
  default: 4,
  options: { strict: 3 },
  operator: 'less than or equal',
});

export const sshdIdleTimeout = value({
  id: 'sshd_idle_timeout',
  title: 'SSH client alive interval (seconds)',
  description: 'How long an SSH session may be idle before sshd probes the client (`ClientAliveInterval`).',
  default: 300,
  options: { strict: 180 },
  operator: 'less than or equal',
});

export const passMaxDays = value({
  id: 'login_defs_pass_max_days',
  title: 'Maximum password age (days)',
  description: 'The most days a password may be used (`PASS_MAX_DAYS` in `/etc/login.defs`).',
  default: 365,
  options: { strict: 90 },
  operator: 'less than or equal',
});

export const passMinDays = value({
  id: 'login_defs_pass_min_days',
  title: 'Minimum password age (days)',
  description: 'The fewest days between password changes (`PASS_MIN_DAYS` in `/etc/login.defs`).',
  default: 1,
  options: { strict: 7 },
  operator: 'greater than or equal',
});

export const passWarnAge = value({
  id: 'login_defs_pass_warn_age',
  title: 'Password expiry warning (days)',
  description: 'How many days before expiry users are warned (`PASS_WARN_AGE` in `/etc/login.defs`).',
  default: 7,
  options: { strict: 14 },
  operator: 'greater than or equal',
});
