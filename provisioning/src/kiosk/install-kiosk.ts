/**
 * `install-kiosk --root DIR`: the udev rules naming the discovered devices /dev/lmc-* under a target root
 * (/ on the appliance, a temp dir in tests). The service and kiosk units are the lmc-appliance package's
 * (packaging/systemd), not written here: one source for them.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '@lmc/core/atomic-file.ts';
import type { Assignment } from '../discovery/assign.ts';
import { UDEV_RULES, udevRules } from './templates.ts';

export interface WrittenFile {
  path: string;
  content: string;
}

export function installKiosk(root: string, group: string, assignment: Assignment): { files: WrittenFile[]; skippedDevices: string[] } {
  const udev = udevRules(assignment, group);
  const files: WrittenFile[] = [{ path: join(root, 'etc/udev/rules.d', UDEV_RULES), content: udev.text }];
  for (const f of files) {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileAtomic(f.path, f.content, { mode: 0o644 });
  }
  return { files, skippedDevices: udev.skipped };
}
