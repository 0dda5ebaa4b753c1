/**
 * From discovered ports and probe results to a proposed device assignment (mrz, fingerprint, printer),
 * and the hardware inventory file that keeps it (USB ids and serial numbers: what udev rules match on,
 * which the appliance config has no place for).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@lmc/core/atomic-file.ts';
import type { DiscoveredSerialPort, HidDiscovery } from '@lmc/firmware-bridge/transport/discovery.ts';
import type { ProbeHit } from './probes.ts';

export type DeviceRole = 'mrz' | 'fingerprint' | 'printer';
export const DEVICE_ROLES: readonly DeviceRole[] = ['mrz', 'fingerprint', 'printer'];
export type IdentifiedBy = 'protocol' | 'usb-id' | 'technician';

export interface SerialSlot {
  transport: 'serial';
  /** What the config should name: the by-id link when there is one (survives replugging). */
  path: string;
  devicePath: string;
  baudRate: number;
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
  identifiedBy: IdentifiedBy;
  details?: Record<string, unknown>;
}

export interface HidSlot {
  transport: 'hid';
  vendorId: string;
  productId: string;
  serialNumber?: string;
  identifiedBy: IdentifiedBy;
}

export type DeviceSlot = SerialSlot | HidSlot;
export type Assignment = Partial<Record<DeviceRole, DeviceSlot>>;

export interface ProbedPort extends DiscoveredSerialPort {
  probe?: ProbeHit;
  /** Held by another process (the running appliance): not probed. */
  busy?: boolean;
}

/** MRZ readers answer nothing: found by USB id or named by the technician (--mrz PATH); never guessed. */
const MRZ_DEFAULT_BAUD = 9600;

/** Ports the technician named (--mrz/--fingerprint/--printer PATH), with the rate the probe found if any. */
export type Overrides = Partial<Record<DeviceRole, { port: ProbedPort; baudRate: number }>>;

function hex4(v: number | string): string {
  return (typeof v === 'number' ? v.toString(16) : v.replace(/^0x/i, '')).toLowerCase().padStart(4, '0');
}

function serialSlot(p: ProbedPort, baudRate: number, identifiedBy: IdentifiedBy): SerialSlot {
  return {
    transport: 'serial',
    path: p.byIdPath ?? p.path,
    devicePath: p.path,
    baudRate,
    identifiedBy,
    ...(p.vendorId ? { vendorId: p.vendorId } : {}),
    ...(p.productId ? { productId: p.productId } : {}),
    ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}),
    ...(p.probe ? { details: p.probe.details } : {}),
  };
}

export interface AssignResult {
  assignment: Assignment;
  /** Why a role has no device, or why a choice was ambiguous. */
  notes: string[];
}

export function proposeAssignment(ports: readonly ProbedPort[], hid: HidDiscovery, overrides: Overrides = {}): AssignResult {
  const assignment: Assignment = {};
  const notes: string[] = [];
  const named = new Set(Object.values(overrides).map((o) => o.port.path));
  for (const role of DEVICE_ROLES) {
    const o = overrides[role];
    if (o) assignment[role] = serialSlot(o.port, o.baudRate, 'technician');
  }
  for (const role of ['printer', 'fingerprint'] as const) {
    if (assignment[role]) continue;
    const hits = ports.filter((p) => p.probe?.kind === role && !named.has(p.path));
    const first = hits[0];
    if (first?.probe) assignment[role] = serialSlot(first, first.probe.baudRate, 'protocol');
    if (hits.length > 1) notes.push(`${hits.length} ${role}s answered; proposing ${first?.path}`);
  }
  const silent = ports.filter((p) => !p.probe && !p.busy && !named.has(p.path));
  const byId = silent.find((p) => p.knownReader);
  const hidReader = hid.devices.find((d) => d.knownReader);
  if (assignment.mrz) {
    /* named by the technician */
  } else if (byId) assignment.mrz = serialSlot(byId, MRZ_DEFAULT_BAUD, 'usb-id');
  else if (hidReader) {
    assignment.mrz = {
      transport: 'hid',
      vendorId: hex4(hidReader.vendorId),
      productId: hex4(hidReader.productId),
      identifiedBy: 'usb-id',
      ...(hidReader.serialNumber ? { serialNumber: hidReader.serialNumber } : {}),
    };
  } else if (silent.length > 0) {
    notes.push(`MRZ reader not recognised by USB id; ${silent.length} silent USB port(s) (${silent.map((p) => p.byIdPath ?? p.path).join(', ')}): name it with --mrz PATH`);
  }
  const busy = ports.filter((p) => p.busy);
  if (busy.length) notes.push(`${busy.length} port(s) busy (held by another process, e.g. the running appliance: systemctl stop lmc-appliance): ${busy.map((p) => p.byIdPath ?? p.path).join(', ')}`);
  for (const role of DEVICE_ROLES) if (!assignment[role]) notes.push(`no ${role} device found`);
  return { assignment, notes };
}

export const HARDWARE_FILE = 'hardware.json';

export interface HardwareInventory {
  version: 1;
  discoveredAt: string;
  assignment: Assignment;
}

export function readHardware(dataDir: string): HardwareInventory | undefined {
  try {
    const v = JSON.parse(readFileSync(join(dataDir, HARDWARE_FILE), 'utf8')) as HardwareInventory;
    return v?.version === 1 && typeof v.assignment === 'object' ? v : undefined;
  } catch {
    return undefined;
  }
}

export function writeHardware(dataDir: string, assignment: Assignment, now = new Date()): string {
  const path = join(dataDir, HARDWARE_FILE);
  const inv: HardwareInventory = { version: 1, discoveredAt: now.toISOString(), assignment };
  writeFileAtomic(path, `${JSON.stringify(inv, null, 2)}\n`, { mode: 0o644 });
  return path;
}
