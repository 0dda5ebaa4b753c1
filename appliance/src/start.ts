import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { build } from './app.ts';
import type { ApplianceConfig } from './config/schema.ts';
import { auditDeviceEvents } from './devices/device-audit.ts';
import { MrzReaderFeature } from './devices/mrz-reader-feature.ts';
import { ScanCache } from './devices/scan-cache.ts';
import { EventBus } from './events/event-bus.ts';
import { allowedHostNames } from './http/host-guard.ts';
import { attachSocketGateway } from './realtime/socket-gateway.ts';
import { openStore, type Store } from './store/index.ts';
import { SyncFeature } from './sync/sync-feature.ts';
import { ReferenceSync } from './reference/reference-sync.ts';
import { PrintingService } from './printing/printing-service.ts';
import { signerFromKey } from './printing/receipt-signature.ts';
import { type RunningFingerprints, startFingerprints } from './fingerprints/start-fingerprints.ts';
import { seedDemoReferenceWithoutCentral } from './registrations-details/local-reference-seed.ts';

export interface RunningAppliance {
  app: FastifyInstance;
  url: string;
  store: Store;
  bus: EventBus;
  mrz: MrzReaderFeature;
  sync: SyncFeature;
  printing: PrintingService;
  fingerprints: RunningFingerprints;
  reference: ReferenceSync;
  stop(): Promise<void>;
}

/**
 * Starts every part in order (store, devices, HTTP, socket.io) and returns one stop() that releases all of
 * it in reverse. Used by main.ts, the listening-server tests and the benchmark.
 */
export async function startAppliance(config: ApplianceConfig, logger: Logger = createLogger('appliance')): Promise<RunningAppliance> {
  const store = openStore({ dataDir: config.dataDir, logger }); // the store namespaces its own logs ('store')
  const busLog = createLogger('bus', logger);
  const bus = new EventBus({ onListenerError: (event, err) => busLog.error({ event, message: (err as Error)?.message }, 'a listener failed; other listeners unaffected') });
  const scans = new ScanCache();
  const stopAudit = auditDeviceEvents(bus, store, createLogger('audit', logger));
  const mrz = new MrzReaderFeature({ config: config.devices.mrz, bus, scans, logger: createLogger('device:mrz', logger) });
  try {
    await mrz.start();
  } catch (err) {
    // A device that cannot start (no socat, HID library missing) leaves the rest of the appliance usable.
    logger.error({ code: (err as { code?: string }).code, message: (err as Error).message }, 'MRZ reader did not start');
    bus.publish('device.state', { ...mrz.state, state: 'error', reason: (err as Error).message, at: new Date().toISOString() });
  }
  const sync = new SyncFeature({ dataDir: config.dataDir, central: config.central, sync: config.sync, store, bus, logger: createLogger('sync', logger) });
  // Receipts are signed with the same Ed25519 identity that signs batches to the central (keys/identity.ts).
  const printing = await PrintingService.start({
    store,
    bus,
    signer: signerFromKey(sync.identity.deviceId, sync.identity.privateKey),
    printer: config.devices.printer,
    receipts: config.receipts,
    officeCode: config.office.code,
    officeName: config.office.name,
    logger: createLogger('printing', logger),
  });
  const fingerprints = await startFingerprints({
    device: config.devices.fingerprint,
    plan: config.office.capturePlan,
    dataDir: config.dataDir,
    store,
    bus,
    logger: createLogger('fingerprints', logger),
  });
  // The relay attaches the sealed fingerprint blobs the outbox records name (sync/outbox-relay.ts, central batch-frame.ts).
  sync.relay.setBlobSource((blobId) => fingerprints.vault.sealedBlob(blobId));
  // Demos and training without a central: districts, occupations and (fictional) employers for the details step.
  if (config.central.url === '') seedDemoReferenceWithoutCentral(store, createLogger('reference', logger));
  const reference = ReferenceSync.fromConfig({
    store,
    identity: sync.identity,
    central: config.central,
    reference: config.reference,
    bus,
    logger: createLogger('reference', logger),
  });
  const allowedHosts = allowedHostNames(config.server.host, config.server.allowedHosts);
  const app = await build({ store, bus, scans, officeCode: config.office.code, mrz, sync, printing, fingerprints, reference, allowedHosts, logger: createLogger('http', logger) });
  await app.listen({ host: config.server.host, port: config.server.port });
  const gateway = attachSocketGateway(app.server, {
    bus,
    devices: () => [mrz.state, printing.feature.state, fingerprints.feature.state],
    sessions: { authorize: (req) => app.auth.authorizeSocket(req), isLive: (key) => app.auth.sessions.isLive(key), onEnd: (l) => app.auth.sessions.onEnd(l) },
    allowedHosts,
    syncStatus: () => sync.relay.status(),
  });
  await sync.start();
  await reference.start();
  const { port } = app.server.address() as AddressInfo;
  const url = `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`;
  let stopped = false;
  return {
    app,
    url,
    store,
    bus,
    mrz,
    sync,
    printing,
    fingerprints,
    reference,
    async stop() {
      if (stopped) return;
      stopped = true;
      await reference.stop();
      await sync.stop();
      await gateway.close();
      await app.close();
      await mrz.stop();
      await printing.stop();
      await fingerprints.stop();
      stopAudit();
      store.close();
    },
  };
}
