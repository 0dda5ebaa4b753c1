import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { build } from './app.ts';
import type { AuthSettings } from './auth/index.ts';
import type { ApplianceConfig } from './config/schema.ts';
import { auditDeviceEvents } from './devices/device-audit.ts';
import { MrzReaderFeature } from './devices/mrz-reader-feature.ts';
import { ScanCache } from './devices/scan-cache.ts';
import { type DeviceStateEvent, EventBus } from './events/event-bus.ts';
import { allowedHostNames } from './http/host-guard.ts';
import { attachSocketGateway } from './realtime/socket-gateway.ts';
import { type AppModule, type ModuleContext, type RunningModules, startModules } from './modules/app-module.ts';
import type { Store } from './store/index.ts';
import { openApplianceStore } from './schema.ts';
import { configuredDevices } from './sync/appliance-status.ts';
import { SyncFeature } from './sync/sync-feature.ts';
import { ReferenceSync } from './reference/reference-sync.ts';
import { PrintingService } from './printing/printing-service.ts';
import { signerFromKey } from './printing/receipt-signature.ts';
import { type RunningFingerprints, startFingerprints } from './fingerprints/start-fingerprints.ts';
import { seedDemoReferenceWithoutCentral } from './registrations-details/local-reference-seed.ts';
import { remotePrintsSource, remoteVerifyRoutes } from './prints-remote/remote-verify-routes.ts';
import { Recruitment } from './recruitment/index.ts';
import { createNetworkLookup, type NetworkLookup, lookupRoutes } from './lookup/index.ts';
import { type RunningChip, startChip } from './chip/start-chip.ts';

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
  recruitment: Recruitment;
  /** Cross-office lookup of returning migrants: the central within 2 s, else the offline index (lookup/). */
  lookup: NetworkLookup;
  chip: RunningChip;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Sign-in settings read with the configuration (first supervisor, idle logout): see config/load-config.ts. */
  auth?: AuthSettings;
}

/**
 * The composition root: opens the store (the process's one database connection), then creates and starts the
 * modules in order — audit, MRZ reader, forwarding (the identity), printing, fingerprints, reference data, HTTP and
 * socket.io — and returns one stop() that stops them in reverse and closes the store. If any module fails to
 * start (e.g. the port is in use), the ones already started are stopped and the store closed before the error
 * is rethrown. Used by main.ts, the listening-server tests and the benchmark.
 */
export async function startAppliance(config: ApplianceConfig, logger: Logger = createLogger('appliance'), options: StartOptions = {}): Promise<RunningAppliance> {
  const store = openApplianceStore({ dataDir: config.dataDir, logger }); // the store namespaces its own logs ('store')
  const busLog = createLogger('bus', logger);
  const bus = new EventBus({ onListenerError: (event, err) => busLog.error({ event, message: (err as Error)?.message }, 'a listener failed; other listeners unaffected') });
  const ctx: ModuleContext = { store, bus, config, log: logger, clock: () => new Date() };
  const scans = new ScanCache();
  // What the modules make, for the ones after them and for the caller.
  const parts: Partial<Omit<RunningAppliance, 'stop' | 'url' | 'store' | 'bus'>> & { url?: string } = {};
  const need = <K extends keyof typeof parts>(key: K): NonNullable<(typeof parts)[K]> => {
    const part = parts[key];
    if (part === undefined) throw new Error(`module order: ${String(key)} is not started yet`);
    return part as NonNullable<(typeof parts)[K]>;
  };
  /** A device that cannot start (no socat, HID library missing) leaves the rest of the appliance usable. */
  const deviceStartFailed = (what: string, state: DeviceStateEvent, err: unknown) => {
    logger.error({ code: (err as { code?: string }).code, message: (err as Error).message }, `${what} did not start`);
    bus.publish('device.state', { ...state, state: 'error', reason: (err as Error).message, at: new Date().toISOString() });
  };

  const modules: AppModule[] = [
    {
      name: 'audit',
      create: () => {
        const unsubscribe = auditDeviceEvents(bus, store, createLogger('audit', logger));
        return { stop: async () => unsubscribe() };
      },
    },
    {
      name: 'mrz-reader',
      create: () => {
        const mrz = new MrzReaderFeature({ config: config.devices.mrz, bus, scans, logger: createLogger('device:mrz', logger) });
        parts.mrz = mrz;
        return {
          start: () => mrz.start().catch((err: unknown) => deviceStartFailed('MRZ reader', mrz.state, err)),
          stop: () => mrz.stop(),
        };
      },
    },
    {
      name: 'sync',
      create: () => {
        const sync = new SyncFeature({
          dataDir: config.dataDir,
          central: config.central,
          sync: config.sync,
          store,
          bus,
          devices: configuredDevices(config.devices),
          logger: createLogger('sync', logger),
        });
        parts.sync = sync;
        return { start: () => sync.start(), stop: () => sync.stop() };
      },
    },
    {
      name: 'printing',
      create: () => ({
        async start() {
          const sync = need('sync');
          // Receipts are signed with the same Ed25519 identity that signs batches to the central (keys/identity.ts).
          parts.printing = await PrintingService.start({
            store,
            bus,
            signer: signerFromKey(sync.identity.deviceId, sync.identity.privateKey),
            printer: config.devices.printer,
            receipts: config.receipts,
            officeCode: config.office.code,
            officeName: config.office.name,
            logger: createLogger('printing', logger),
          });
        },
        stop: async () => parts.printing?.stop(),
      }),
    },
    {
      name: 'fingerprints',
      create: () => ({
        async start() {
          const fingerprints = await startFingerprints({
            device: config.devices.fingerprint,
            plan: config.office.capturePlan,
            dataDir: config.dataDir,
            store,
            bus,
            logger: createLogger('fingerprints', logger),
          });
          parts.fingerprints = fingerprints;
          // The relay attaches the sealed blobs the outbox records name (sync/outbox-relay.ts, protocol batch-frame.ts): the
          // passport chip's face from the chip reads (started next, issue #18), every other blob from the fingerprint vault.
          need('sync').relay.setBlobSource((blobId) => parts.chip?.repository.sealedFace(blobId) ?? fingerprints.vault.sealedBlob(blobId));
        },
        stop: async () => parts.fingerprints?.stop(),
      }),
    },
    {
      // After the MRZ reader: reads the passport chip after each scan (issue #18).
      name: 'chip',
      create: () => ({
        async start() {
          parts.chip = await startChip({ config: config.devices.chip, dataDir: config.dataDir, store, bus, logger: createLogger('chip', logger) });
        },
        stop: async () => parts.chip?.stop(),
      }),
    },
    {
      name: 'reference',
      create: () => {
        // Demos and training without a central: districts, occupations and (fictional) employers for the details step.
        if (config.central.url === '') seedDemoReferenceWithoutCentral(store, createLogger('reference', logger));
        const reference = ReferenceSync.fromConfig({
          store,
          identity: need('sync').identity,
          trust: need('sync').trust,
          central: config.central,
          reference: config.reference,
          bus,
          logger: createLogger('reference', logger),
        });
        parts.reference = reference;
        return { start: () => reference.start(), stop: () => reference.stop() };
      },
    },
    {
      name: 'lookup',
      create: () => {
        const lookup = createNetworkLookup({ config, store, identity: need('sync').identity, trust: need('sync').trust, bus, logger: createLogger('lookup', logger) });
        parts.lookup = lookup;
        return { start: () => lookup.start(), stop: () => lookup.stop() };
      },
    },
    {
      // After reference data (the vacancies it matches on) and printing (the receipt lists the jobs asked for): issue #17.
      name: 'recruitment',
      create: () => {
        const sync = need('sync');
        const recruitment = new Recruitment({
          store,
          bus,
          central: config.central,
          recruitment: config.recruitment,
          notifications: config.notifications,
          identity: sync.identity,
          trust: { publicKey: sync.trust.publicKey, tlsPem: sync.trust.tlsPem },
          officeName: config.office.name,
          timeZone: config.reference.timeZone,
          logger: createLogger('recruitment', logger),
        });
        parts.recruitment = recruitment;
        need('printing').setReceiptSections((id, language) => recruitment.receiptSections(id, language));
        return { start: () => recruitment.start(), stop: () => recruitment.stop() };
      },
    },
    {
      name: 'http',
      create: () => {
        let gateway: { close(): Promise<void> } | undefined;
        let app: FastifyInstance | undefined;
        return {
          async start() {
            const [mrz, sync, printing, fingerprints, reference, chip] = [need('mrz'), need('sync'), need('printing'), need('fingerprints'), need('reference'), need('chip')];
            const allowedHosts = allowedHostNames(config.server.host, config.server.allowedHosts);
            app = await build({
              store,
              bus,
              scans,
              officeCode: config.office.code,
              registrationRules: config.office.registrationRules,
              mrz,
              sync,
              printing,
              fingerprints,
              reference,
              chip,
              recruitment: need('recruitment'),
              allowedHosts,
              ...(options.auth ? { auth: options.auth } : {}),
              logger: createLogger('http', logger),
            });
            await app.register(lookupRoutes, { lookup: need('lookup'), store });
            await app.register(remoteVerifyRoutes, { service: fingerprints.service, remote: remotePrintsSource({ config, identity: sync.identity, trust: sync.trust, logger: createLogger('prints-remote', logger) }) });
            parts.app = app;
            await app.listen({ host: config.server.host, port: config.server.port });
            const running = app;
            gateway = attachSocketGateway(running.server, {
              bus,
              devices: () => [mrz.state, printing.feature.state, fingerprints.feature.state, chip.feature.state],
              sessions: { authorize: (req) => running.auth.authorizeSocket(req), isLive: (key) => running.auth.sessions.isLive(key), onEnd: (l) => running.auth.sessions.onEnd(l) },
              allowedHosts,
              syncStatus: () => sync.relay.status(),
            });
            const { port } = running.server.address() as AddressInfo;
            parts.url = `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`;
          },
          async stop() {
            await gateway?.close();
            await app?.close();
          },
        };
      },
    },
  ];

  let running: RunningModules;
  try {
    running = await startModules(modules, ctx);
  } catch (err) {
    store.close();
    throw err;
  }
  let stopped = false;
  return {
    app: need('app'),
    url: need('url'),
    store,
    bus,
    mrz: need('mrz'),
    sync: need('sync'),
    printing: need('printing'),
    fingerprints: need('fingerprints'),
    reference: need('reference'),
    lookup: need('lookup'),
    recruitment: need('recruitment'),
    chip: need('chip'),
    async stop() {
      if (stopped) return;
      stopped = true;
      await running.stop();
      store.close();
    },
  };
}
