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

/** The configuration besides version, port and data directory (devices, office…); a function of the data folder when files go there first. */
export type ApplianceSettings = Record<string, unknown> | ((dataDir: string) => Record<string, unknown>);

export interface TempAppliance {
  readonly appliance: RunningAppliance;
  readonly dataDir: string;
  /** Stops the appliance and removes its data folder. */
  stop(): Promise<void>;
}

/** A listening appliance (any free port) on a fresh data folder. */
export async function startTempAppliance(prefix: string, settings: ApplianceSettings): Promise<TempAppliance> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const { config } = parseConfig({ version: 1, server: { port: 0 }, dataDir, ...(typeof settings === 'function' ? settings(dataDir) : settings) });
  const appliance = await startAppliance(config);
  return {
    appliance,
    dataDir,
    async stop() {
      await appliance.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** startTempAppliance, handed over once `device` reports connected (within `connectMs`). */
export async function startLiveAppliance(prefix: string, settings: ApplianceSettings, device: DeviceKind, connectMs = 10_000): Promise<LiveAppliance> {
  const { appliance, stop } = await startTempAppliance(prefix, settings);
  let socket: Socket | undefined;
  const close = async () => {
    socket?.close();
    await stop();
  };
  try {
    await addOfficer(appliance.store.health().path);
    const cookie = await signInFetch(appliance.url);
    socket = io(appliance.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie } });
    await nextSocketEvent(socket, 'device:state', (s: { device: string; state: string }) => s.device === device && s.state === 'connected', connectMs);
    return { appliance, cookie, socket, close };
  } catch (err) {
    await close();
    throw err;
  }
}
