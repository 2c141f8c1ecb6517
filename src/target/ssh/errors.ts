/** Why a connection to a host could not give a target. */
export type SshErrorCode = 'unreachable' | 'auth-failed' | 'host-key' | 'timeout' | 'no-interpreter' | 'become-failed' | 'protocol';

export class SshConnectError extends Error {
  override readonly name = 'SshConnectError';
  constructor(
    readonly code: SshErrorCode,
    message: string,
  ) {
    super(message);
  }
}
