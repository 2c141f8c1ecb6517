/**
 * The probe services of one scan, opened when the scan starts and closed
 * when it ends (oval/services.ts). Every OVAL engine of the scan (the CPE
 * checks, the rule checks, a rebound session) shares them, with the objects
 * whose collection depends on the target alone, through one
 * CollectionShare. Nothing the probes build outlives the scan.
 */
import { ServiceScope } from '../oval/services.js';
import { CollectionShare } from '../oval/share.js';
import type { Target } from '../target/target.js';

export interface ScanServices {
  readonly share: CollectionShare;
  /** Drops what was collected and built, for another evaluation of the same target. */
  reset(): Promise<void>;
  /** Releases every service; the share cannot be used again. */
  close(): Promise<void>;
}

export function openScanServices(target: Target): ScanServices {
  const scope = new ServiceScope(target);
  const share = new CollectionShare(scope);
  return { share, reset: () => share.reset(), close: () => scope.close() };
}

/** Runs `scan` with the scan's services open, and closes them however it ends. */
export async function withScanServices<T>(target: Target, scan: (services: ScanServices) => Promise<T>): Promise<T> {
  const services = openScanServices(target);
  try {
    return await scan(services);
  } finally {
    await services.close();
  }
}
