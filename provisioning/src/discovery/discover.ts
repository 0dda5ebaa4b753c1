/**
 * `discover`: list serial ports (by-id links and USB ids, without udevadm) and HID devices, probe each
 * serial port on the device protocols, propose an assignment, and (on confirmation) write it: the
 * appliance config's devices.* entries this appliance version has, and the hardware inventory.
 */
import { mkdirSync } from 'node:fs';
import type { Logger } from '@lmc/core/logger.ts';
import { discoverHidDevices, discoverSerialPorts, type HidDiscovery } from '@lmc/firmware-bridge/transport/discovery.ts';
import { type RawConfig, schemaHasDevice, setKey, updateConfigFile } from '../config/config-file.ts';
import { type Assignment, type AssignResult, DEVICE_ROLES, type ProbedPort, proposeAssignment, writeHardware } from './assign.ts';
import { probePort } from './probes.ts';

export interface DiscoverOptions {
  devRoot?: string;
  sysRoot?: string;
  /** Skip SerialPort.list (udevadm) and read sysfs only. */
  sysfsOnly?: boolean;
  hid?: boolean;
  probeTimeoutMs?: number;
  logger: Logger;
  onPort?: (p: ProbedPort) => void;
}

export interface DiscoverResult extends AssignResult {
  ports: ProbedPort[];
  hid: HidDiscovery;
}

export async function discover(o: DiscoverOptions): Promise<DiscoverResult> {
  const ports = await discoverSerialPorts({
    ...(o.devRoot ? { devRoot: o.devRoot } : {}),
    ...(o.sysRoot ? { sysRoot: o.sysRoot } : {}),
    ...(o.sysfsOnly ? { listSerialPorts: async () => [] } : {}),
    logger: o.logger,
  });
  const probed: ProbedPort[] = [];
  // One port at a time: probes open ports, and two probes must never share one.
  for (const p of ports) {
    const hit = await probePort(p.path, { logger: o.logger, ...(o.probeTimeoutMs ? { timeoutMs: o.probeTimeoutMs } : {}) });
    const entry: ProbedPort = hit ? { ...p, probe: hit } : { ...p };
    probed.push(entry);
    o.onPort?.(entry);
  }
  const hid: HidDiscovery = o.hid === false ? { available: false, reason: 'skipped (--no-hid)', devices: [] } : await discoverHidDevices();
  return { ports: probed, hid, ...proposeAssignment(probed, hid) };
}

export interface WriteAssignmentResult {
  configChanges: string[];
  /** Roles found but not written to the config because this appliance's schema has no devices.<role>. */
  notInSchema: string[];
  hardwareFile: string;
}

export function writeAssignment(configPath: string, dataDir: string, assignment: Assignment): WriteAssignmentResult {
  const notInSchema: string[] = [];
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
      else if (role === 'printer') entry = { paperWidth: 80, ...keep, transport: 'serial', path: slot.path, baudRate: slot.baudRate };
      else if (role === 'mrz') entry = { ...keep, transport: 'serial', path: slot.path, baudRate: (keep.baudRate as number | undefined) ?? slot.baudRate };
      else entry = { ...keep, transport: 'serial', path: slot.path, baudRate: slot.baudRate };
      out.push(setKey(raw, `devices.${role}`, entry));
    }
    return out;
  });
  mkdirSync(dataDir, { recursive: true });
  return { configChanges: changes, notInSchema, hardwareFile: writeHardware(dataDir, assignment) };
}
