/**
 * `discover`: list serial ports (by-id links and USB ids, without udevadm) and HID devices, probe each
 * serial port on the device protocols, propose an assignment, and (on confirmation) write it: the
 * appliance config's devices.* entries this appliance version has, and the hardware inventory.
 */
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '@lmc/core/logger.ts';
import { discoverHidDevices, discoverSerialPorts, type HidDiscovery } from '@lmc/firmware-bridge/transport/discovery.ts';
import { type RawConfig, schemaHasDevice, setKey, updateConfigFile } from '../config/config-file.ts';
import { ProvisioningErrorCodes, provisioningError } from '../errors.ts';
import { STABLE_NAMES, udevRules } from '../kiosk/templates.ts';
import { writeFileAtomic } from '@lmc/core/atomic-file.ts';
import { type Assignment, type AssignResult, DEVICE_ROLES, type DeviceRole, type Overrides, type ProbedPort, proposeAssignment, writeHardware } from './assign.ts';
import { isPortBusy, probeEscPos, probePort, probeZfm, PRINTER_PROBE_BAUDS } from './probes.ts';

export interface DiscoverOptions {
  devRoot?: string;
  sysRoot?: string;
  /** Skip SerialPort.list (udevadm) and read sysfs only. */
  sysfsOnly?: boolean;
  hid?: boolean;
  probeTimeoutMs?: number;
  logger: Logger;
  /** Ports named by the technician (--mrz/--fingerprint/--printer PATH). */
  named?: Partial<Record<DeviceRole, string>>;
  onPort?: (p: ProbedPort) => void;
  /** Progress of the probing (one call per port and step). */
  onStep?: (text: string) => void;
}

export interface DiscoverResult extends AssignResult {
  ports: ProbedPort[];
  /** Serial ports left out because they are not on USB (built-in UARTs such as /dev/ttyS0). */
  ignored: string[];
  /** Ports held by another process: the assignment is incomplete and must not be written. */
  busy: string[];
  hid: HidDiscovery;
}

const samePort = (a: string, b: string): boolean => {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return a === b;
  }
};

export async function discover(o: DiscoverOptions): Promise<DiscoverResult> {
  const ports = await discoverSerialPorts({
    ...(o.devRoot ? { devRoot: o.devRoot } : {}),
    ...(o.sysRoot ? { sysRoot: o.sysRoot } : {}),
    ...(o.sysfsOnly ? { listSerialPorts: async () => [] } : {}),
    logger: o.logger,
  });
  const step = o.onStep ?? (() => undefined);
  const probeOpts = { logger: o.logger, ...(o.probeTimeoutMs ? { timeoutMs: o.probeTimeoutMs } : {}) };
  // USB devices only: the MRZ reader, fingerprint module and printer are USB (serial adapters or CDC-ACM);
  // a built-in UART (/dev/ttyS0) is never a candidate.
  const usb = ports.filter((p) => p.vendorId !== undefined);
  const ignored = ports.filter((p) => p.vendorId === undefined).map((p) => p.path);
  const named = o.named ?? {};
  for (const [role, path] of Object.entries(named)) {
    if (!existsSync(path)) throw provisioningError(ProvisioningErrorCodes.UsageInvalid, `--${role} ${path}: no such device`);
  }
  const namedPorts: ProbedPort[] = Object.values(named)
    .filter((path) => !usb.some((p) => samePort(p.path, path) || (p.byIdPath !== undefined && samePort(p.byIdPath, path))))
    .map((path) => ({ path, source: 'sysfs' as const }));
  const candidates = [...usb, ...namedPorts];
  const probed: ProbedPort[] = [];
  // One port at a time: probes open ports, and two probes must never share one.
  for (const [i, p] of candidates.entries()) {
    const label = `${i + 1}/${candidates.length} ${p.byIdPath ?? p.path}`;
    step(`${label}: checking it is free`);
    const busy = await isPortBusy(p.path);
    let entry: ProbedPort;
    if (busy.busy) entry = { ...p, busy: true };
    else {
      step(`${label}: ESC/POS status at ${PRINTER_PROBE_BAUDS.join(', ')} baud, then ZFM handshake at 9600…115200`);
      const hit = await probePort(p.path, probeOpts);
      entry = hit ? { ...p, probe: hit } : { ...p };
    }
    probed.push(entry);
    o.onPort?.(entry);
  }
  const overrides: Overrides = {};
  for (const role of DEVICE_ROLES) {
    const path = named[role];
    if (!path) continue;
    const port = probed.find((p) => samePort(p.path, path) || (p.byIdPath !== undefined && samePort(p.byIdPath, path)));
    if (!port) continue;
    if (port.busy) continue;
    let baudRate = role === 'mrz' ? 9600 : role === 'fingerprint' ? 57600 : 115200;
    if (port.probe?.kind === role) baudRate = port.probe.baudRate;
    else if (role === 'fingerprint') baudRate = (await probeZfm(port.path, probeOpts))?.baudRate ?? baudRate;
    else if (role === 'printer') {
      for (const b of PRINTER_PROBE_BAUDS) if (await probeEscPos(port.path, b, probeOpts)) { baudRate = b; break; }
    }
    overrides[role] = { port, baudRate };
  }
  const hid: HidDiscovery = o.hid === false ? { available: false, reason: 'skipped (--no-hid)', devices: [] } : await discoverHidDevices();
  const busy = probed.filter((p) => p.busy).map((p) => p.byIdPath ?? p.path);
  return { ports: probed, ignored, busy, hid, ...proposeAssignment(probed, hid, overrides) };
}

export interface WriteAssignmentResult {
  configChanges: string[];
  /** The udev rules file written (stable /dev/lmc-* names), when asked for. */
  udevRules?: string;
  /** Written files the service user must own (config, hardware.json). */
  files: string[];
  /** Roles found but not written to the config because this appliance's schema has no devices.<role>. */
  notInSchema: string[];
  hardwareFile: string;
}

/**
 * Write the assignment: the config's devices.* and hardware.json; with `udevRulesFile` also the udev rules
 * giving each device with a USB id a stable name (/dev/lmc-mrz, …), and then the config names those links,
 * not the by-id paths (a production install: the package's units and rules expect /dev/lmc-*).
 */
export function writeAssignment(configPath: string, dataDir: string, assignment: Assignment, o: { udevRulesFile?: string; group?: string } = {}): WriteAssignmentResult {
  const notInSchema: string[] = [];
  let rulesWritten: string | undefined;
  const linked = new Set<DeviceRole>();
  if (o.udevRulesFile) {
    const rules = udevRules(assignment, o.group ?? 'lmc');
    mkdirSync(dirname(o.udevRulesFile), { recursive: true });
    writeFileAtomic(o.udevRulesFile, rules.text, { mode: 0o644 });
    rulesWritten = o.udevRulesFile;
    for (const role of DEVICE_ROLES) if (assignment[role] && !rules.skipped.includes(role)) linked.add(role);
  }
  const pathOf = (role: DeviceRole, path: string) => (linked.has(role) ? `/dev/${STABLE_NAMES[role]}` : path);
  const { changes } = updateConfigFile(configPath, (raw: RawConfig) => {
    const out: string[] = [];
    const devices = (raw.devices ?? {}) as Record<string, Record<string, unknown> | undefined>;
    for (const role of DEVICE_ROLES) {
      const slot = assignment[role];
      if (!slot) continue;
      if (!schemaHasDevice(role)) {
        notInSchema.push(role);
        continue;
      }
      const current = devices[role];
      const keep = current?.transport === slot.transport ? current : {};
      let entry: Record<string, unknown>;
      if (slot.transport === 'hid') entry = { ...keep, transport: 'hid', vendorId: slot.vendorId, productId: slot.productId };
      else if (role === 'printer') entry = { paperWidth: 80, ...keep, transport: 'serial', path: pathOf(role, slot.path), baudRate: slot.baudRate };
      else if (role === 'mrz') entry = { ...keep, transport: 'serial', path: pathOf(role, slot.path), baudRate: (keep.baudRate as number | undefined) ?? slot.baudRate };
      else entry = { ...keep, transport: 'serial', path: pathOf(role, slot.path), baudRate: slot.baudRate };
      out.push(setKey(raw, `devices.${role}`, entry));
    }
    return out;
  });
  mkdirSync(dataDir, { recursive: true });
  const hardwareFile = writeHardware(dataDir, assignment);
  return { configChanges: changes, notInSchema, hardwareFile, files: [configPath, hardwareFile], ...(rulesWritten ? { udevRules: rulesWritten } : {}) };
}
