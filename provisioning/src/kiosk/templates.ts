/**
 * Files for a kiosk appliance: the appliance service, udev rules for stable device names, and the
 * kiosk session (Chromium in kiosk mode under the cage Wayland compositor). Pure functions of their
 * inputs, so the text is tested as is.
 */
import type { Assignment, DeviceRole } from '../discovery/assign.ts';

export interface KioskParams {
  appDir: string;
  configPath: string;
  dataDir: string;
  uiUrl: string;
  serviceUser: string;
  kioskUser: string;
  nodePath: string;
}

export const APPLIANCE_UNIT = 'lmc-appliance.service';
export const KIOSK_UNIT = 'lmc-kiosk.service';
export const UDEV_RULES = '70-lmc-devices.rules';

/** systemd.exec(5) hardening: the service may write only its data dir; everything else is read-only or hidden. */
export function applianceUnit(p: KioskParams): string {
  return `# Written by appliance-provision install-kiosk. Zimbabwe Labour Migration Centre registration appliance.
[Unit]
Description=LMC registration appliance
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
User=${p.serviceUser}
Group=${p.serviceUser}
# Serial devices: the udev rules give /dev/lmc-* to this group.
SupplementaryGroups=dialout
WorkingDirectory=${p.appDir}
Environment=NODE_ENV=production
Environment=APPLIANCE_CONFIG=${p.configPath}
Environment=APPLIANCE_DATA_DIR=${p.dataDir}
ExecStart=${p.nodePath} ${p.appDir}/node_modules/tsx/dist/cli.mjs ${p.appDir}/appliance/src/main.ts
Restart=always
RestartSec=2
# A stop must let the store checkpoint its WAL (store.close()).
TimeoutStopSec=20
KillSignal=SIGTERM

NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=${p.dataDir}
ProtectHome=yes
PrivateTmp=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
SystemCallArchitectures=native
CapabilityBoundingSet=
AmbientCapabilities=
UMask=0077
# Not PrivateDevices: the service needs the serial and hidraw devices named by the udev rules.
DevicePolicy=closed
DeviceAllow=char-ttyUSB rw
DeviceAllow=char-ttyACM rw
DeviceAllow=char-hidraw rw

[Install]
WantedBy=multi-user.target
`;
}

export function kioskUnit(p: KioskParams): string {
  return `# Written by appliance-provision install-kiosk: the officer's screen, Chromium in kiosk mode.
[Unit]
Description=LMC registration kiosk (Chromium on ${p.uiUrl})
After=${APPLIANCE_UNIT} systemd-user-sessions.service
Wants=${APPLIANCE_UNIT}
Conflicts=getty@tty1.service

[Service]
User=${p.kioskUser}
PAMName=login
TTYPath=/dev/tty1
StandardInput=tty
Environment=XDG_SESSION_TYPE=wayland
# cage: a Wayland compositor that shows exactly one application, full screen.
ExecStartPre=/bin/sh -c 'for i in $(seq 1 60); do curl -fsS -o /dev/null ${p.uiUrl} && exit 0; sleep 1; done; exit 0'
ExecStart=/usr/bin/cage -s -- /usr/bin/chromium --kiosk --incognito --noerrdialogs --disable-infobars --no-first-run --disable-translate --disable-features=TranslateUI --overscroll-history-navigation=0 --check-for-update-interval=31536000 ${p.uiUrl}
Restart=always
RestartSec=2

[Install]
WantedBy=graphical.target
`;
}

export const STABLE_NAMES: Record<DeviceRole, string> = { mrz: 'lmc-mrz', fingerprint: 'lmc-fingerprint', printer: 'lmc-printer' };

export interface UdevResult {
  text: string;
  /** Roles with no USB ids to match on (e.g. a pty or a built-in port): no rule written. */
  skipped: string[];
}

const quote = (v: string) => v.replace(/["\\]/g, '');

export function udevRules(assignment: Assignment, group: string): UdevResult {
  const lines = ['# Written by appliance-provision install-kiosk: stable names and permissions for the LMC devices.', ''];
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
