/**
 * The real central receiver (`tsx central/src/main.ts`, what `npm run start:central` runs) as a
 * child process on a fixed port, so a fault test can SIGKILL it and start it again where the link
 * emulator expects it, serving HTTPS with the test's pinned pair. Resolves once it logs "Server listening".
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { centralTrustEnv, type LinkTrust } from './link-trust.ts';
import { spawnService } from './service-process.ts';

export interface CentralProcess {
  child: ChildProcess;
  port: number;
  logs: string[];
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface CentralProcessOptions {
  port: number;
  databaseUrl: string;
  devices: Array<{ deviceId: string; officeCode: string; publicKeyPem: string }>;
  /** Where the devices file is written. */
  devicesFile: string;
  /** The TLS pair and signing key the central uses (tests/support/link-trust.ts); its files go beside devicesFile. */
  trust: LinkTrust;
  /** Load the shipped + demo reference data at start (CENTRAL_DEV_SEED_REFERENCE). */
  seedReference?: boolean;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function spawnCentral(o: CentralProcessOptions): Promise<CentralProcess> {
  writeFileSync(o.devicesFile, JSON.stringify({ version: 1, devices: o.devices }));
  const service = await spawnService({
    name: 'central',
    entry: 'central/src/main.ts',
    env: {
      DATABASE_URL: o.databaseUrl,
      CENTRAL_HOST: '127.0.0.1',
      CENTRAL_PORT: String(o.port),
      CENTRAL_DEVICES_FILE: o.devicesFile,
      ...centralTrustEnv(dirname(o.devicesFile), o.trust),
      ...(o.seedReference ? { CENTRAL_DEV_SEED_REFERENCE: 'demo' } : {}),
      ...o.env,
    },
    up: (line) => (line.includes('"Server listening') ? true : undefined),
    timeoutMs: o.timeoutMs ?? 60_000,
    killSignal: 'SIGKILL',
  });
  return { child: service.child, port: o.port, logs: service.logs, kill: service.kill };
}
