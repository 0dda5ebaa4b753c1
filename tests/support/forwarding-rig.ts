/**
 * Test support: an appliance data dir pinned to a central served over HTTPS on loopback, on a real throwaway
 * PostgreSQL, behind a TCP proxy that plays the border post's link. What the store-and-forward tests
 * (tests/integration/forwarding*.test.ts) share; each test starts its own SyncFeature on `proxy.httpsUrl`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BuildOptions, build, type CentralApp } from '@lmc/central/app.ts';
import type { Db } from '@lmc/central/db/db.ts';
import { migrate } from '@lmc/central/db/migrations.ts';
import { createPostgresDb } from '@lmc/central/db/postgres-db.ts';
import { centralEncryptionKeys } from '@lmc/central/enrolment/central-key.ts';
import { saveCentralTrust } from '@lmc/appliance/keys/central-trust.ts';
import { newX25519PrivateKey } from '@lmc/protocol/print-seal.ts';
import { type ApplianceIdentity, loadOrCreateIdentity } from '@lmc/appliance/keys/identity.ts';
import { openApplianceStore } from '@lmc/appliance/schema.ts';
import type { Store } from '@lmc/appliance/store/index.ts';
import { type LinkTrust, makeLinkTrust, pinCentral } from './link-trust.ts';
import { type PgCluster, startPgCluster } from './pg-cluster.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

export interface ForwardingRig {
  dataDir: string;
  identity: ApplianceIdentity;
  trust: LinkTrust;
  cluster: PgCluster;
  db: Db;
  central: CentralApp;
  proxy: TcpProxy;
  store: Store;
  /** Closes the store, proxy, central, database and cluster and removes the data dir (stop the feature first). */
  close(): Promise<void>;
}

export interface ForwardingRigOptions {
  /** Prefix of the appliance's temporary data dir. */
  prefix: string;
  limits?: BuildOptions['limits'];
  /** Runs on the built central before it listens (hooks that watch requests). */
  onCentral?: (central: CentralApp) => void;
  /** The central's admin bearer token (admin routes in the test), at least 32 characters. */
  adminToken?: string;
  /** The central holds an X25519 encryption key and the appliance pins it, as enrolment does: prints and faces are sealed to it. */
  centralEncryption?: boolean;
}

export async function startForwardingRig(options: ForwardingRigOptions): Promise<ForwardingRig> {
  const dataDir = mkdtempSync(join(tmpdir(), options.prefix));
  const parts: Partial<ForwardingRig> = { dataDir };
  const close = async () => {
    parts.store?.close();
    await parts.proxy?.close();
    await parts.central?.close();
    await parts.db?.close();
    await parts.cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const identity = loadOrCreateIdentity(dataDir);
    const trust = await makeLinkTrust();
    pinCentral(dataDir, trust);
    if (options.centralEncryption) {
      trust.centralKey = { ...trust.centralKey, encryption: centralEncryptionKeys(newX25519PrivateKey()) };
      saveCentralTrust(dataDir, { encryptionPublicKey: trust.centralKey.encryption?.current.publicKeyBase64 ?? '' });
    }
    const cluster = await startPgCluster();
    parts.cluster = cluster;
    const db = createPostgresDb(cluster.url, { max: 4 });
    parts.db = db;
    await migrate(db);
    const central = build({
      db,
      devices: [{ deviceId: identity.deviceId, officeCode: 'BBR', publicKeyPem: identity.publicKeyPem }],
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.adminToken ? { adminToken: options.adminToken } : {}),
      https: trust.tls,
      centralKey: trust.centralKey,
    });
    parts.central = central;
    options.onCentral?.(central);
    await central.listen({ host: '127.0.0.1', port: 0 });
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: (central.server.address() as AddressInfo).port });
    parts.proxy = proxy;
    const store = openApplianceStore({ dataDir });
    return { dataDir, identity, trust, cluster, db, central, proxy, store, close };
  } catch (err) {
    await close();
    throw err;
  }
}
