/**
 * udev rules giving the discovered devices stable names (/dev/lmc-mrz, /dev/lmc-fingerprint,
 * /dev/lmc-printer) by USB id and serial number, owned by the service's group. A pure function of the
 * assignment, so the text is tested as is. (The units are the package's: packaging/systemd.)
 */
import type { Assignment, DeviceRole } from '../discovery/assign.ts';

export const UDEV_RULES = '70-lmc-devices.rules';

export const STABLE_NAMES: Record<DeviceRole, string> = { mrz: 'lmc-mrz', fingerprint: 'lmc-fingerprint', printer: 'lmc-printer' };

export interface UdevResult {
  text: string;
  /** Roles with no USB ids to match on (e.g. a pty or a built-in port): no rule written. */
  skipped: string[];
}

const quote = (v: string) => v.replace(/["\\]/g, '');

export function udevRules(assignment: Assignment, group: string): UdevResult {
  const lines = ['# Written by lmc-provision discover --write: stable names and permissions for the LMC devices.', ''];
  const skipped: string[] = [];
  for (const role of Object.keys(STABLE_NAMES) as DeviceRole[]) {
    const slot = assignment[role];
    if (!slot) continue;
    if (!slot.vendorId || !slot.productId) {
      skipped.push(role);
      continue;
    }
    const subsystem = slot.transport === 'hid' ? 'hidraw' : 'tty';
    const match = [`SUBSYSTEM=="${subsystem}"`, `ATTRS{idVendor}=="${quote(slot.vendorId)}"`, `ATTRS{idProduct}=="${quote(slot.productId)}"`];
    if (slot.serialNumber) match.push(`ATTRS{serial}=="${quote(slot.serialNumber)}"`);
    lines.push(`# ${role} (identified by ${slot.identifiedBy})`);
    lines.push(`${match.join(', ')}, SYMLINK+="${STABLE_NAMES[role]}", MODE="0660", GROUP="${group}"`);
  }
  return { text: `${lines.join('\n')}\n`, skipped };
}
