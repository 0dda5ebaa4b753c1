/**
 * Test support: a listening appliance as the officer UI meets it (the test officer signed in, a socket.io client
 * open), handed over once the device under test reports connected. `close()` stops it and removes its data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { addOfficer, signInFetch } from '@lmc/appliance/auth/test-support.ts';
import { parseConfig } from '@lmc/appliance/config/load-config.ts';
import type { DeviceKind } from '@lmc/appliance/events/event-bus.ts';
import { type RunningAppliance, startAppliance } from '@lmc/appliance/start.ts';
import { nextSocketEvent } from './registration-fixtures.ts';

export interface LiveAppliance {
  readonly appliance: RunningAppliance;
  /** The signed-in officer's session cookie. */
  readonly cookie: string;
  readonly socket: Socket;
  close(): Promise<void>;
}

/** `settings`: the configuration besides version, port and data directory (devices, office…). */
export async function startLiveAppliance(prefix: string, settings: Record<string, unknown>, device: DeviceKind): Promise<LiveAppliance> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const { config } = parseConfig({ version: 1, server: { port: 0 }, dataDir, ...settings });
  const appliance = await startAppliance(config);
  let socket: Socket | undefined;
  const close = async () => {
    socket?.close();
    await appliance.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await addOfficer(appliance.store.health().path);
    const cookie = await signInFetch(appliance.url);
    socket = io(appliance.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie } });
    await nextSocketEvent(socket, 'device:state', (s: { device: string; state: string }) => s.device === device && s.state === 'connected');
    return { appliance, cookie, socket, close };
  } catch (err) {
    await close();
    throw err;
  }
}
