/** systemd's names on D-Bus, shared by the systemd probes and the in-memory target that answers their calls. */
export const SYSTEMD_DEST = 'org.freedesktop.systemd1';
export const MANAGER_PATH = '/org/freedesktop/systemd1';
