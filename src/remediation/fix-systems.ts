/** The fix systems (xccdf:fix/@system) Vigil generates remediation for. */
export const ANSIBLE_SYSTEM = 'urn:xccdf:fix:script:ansible';
export const BASH_SYSTEM = 'urn:xccdf:fix:script:sh';
