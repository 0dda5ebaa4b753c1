/** `install-kiosk --root DIR`: writes the units and rules under a target root (/ on the appliance, a temp dir in tests). */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '@lmc/core/atomic-file.ts';
import type { Assignment } from '../discovery/assign.ts';
import { APPLIANCE_UNIT, applianceUnit, KIOSK_UNIT, type KioskParams, kioskUnit, UDEV_RULES, udevRules } from './templates.ts';

export interface WrittenFile {
  path: string;
  content: string;
}

export function installKiosk(root: string, params: KioskParams, assignment: Assignment): { files: WrittenFile[]; skippedDevices: string[] } {
  const udev = udevRules(assignment, params.serviceUser);
  const files: WrittenFile[] = [
    { path: join(root, 'etc/systemd/system', APPLIANCE_UNIT), content: applianceUnit(params) },
    { path: join(root, 'etc/systemd/system', KIOSK_UNIT), content: kioskUnit(params) },
    { path: join(root, 'etc/udev/rules.d', UDEV_RULES), content: udev.text },
  ];
  for (const f of files) {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileAtomic(f.path, f.content, { mode: 0o644 });
  }
  return { files, skippedDevices: udev.skipped };
}
