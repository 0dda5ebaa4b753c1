/**
 * Store-and-forward assembled from configuration: identity, relay, retention and admission guard
 * as one start/stop unit for start.ts. With no central.url the relay idles ("not-configured"),
 * registrations queue locally, and the backlog rule of the guard is off.
 */
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import type { CentralConfig, SyncConfig } from '../config/schema.ts';
import type { Feature } from '../devices/feature.ts';
import type { EventBus } from '../events/event-bus.ts';
import { type CentralTrust, loadCentralTrust } from '../keys/central-trust.ts';
import { type ApplianceIdentity, loadOrCreateIdentity } from '../keys/identity.ts';
import type { Store } from '../store/index.ts';
import { AdmissionGuard } from './admission-guard.ts';
import { ApplianceStatusReporter } from './appliance-status.ts';
import { CentralClient, type CentralTransport } from './central-client.ts';
import { type BlobSource, DEFAULT_IN_FLIGHT_BATCHES, OutboxRelay, pipeliningFor, type RelayHooks } from './outbox-relay.ts';
import { RetentionFeature } from './retention.ts';

export interface SyncFeatureOptions {
  dataDir: string;
  central: CentralConfig;
  sync: SyncConfig;
  store: Store;
  bus: EventBus;
  logger?: Logger;
  /** Tests: a transport other than the undici client. */
  transport?: CentralTransport | null;
  hooks?: RelayHooks;
  /** Sealed biometric blobs to attach (the fingerprint vault); also settable later on relay.setBlobSource. */
  blobSource?: BlobSource;
  /** The configured devices (config.devices not 'none') whose states each batch reports; default none. */
  devices?: readonly string[];
  /** Reported with each batch; default: the installation's package.json version. */
  softwareVersion?: string;
}

export class SyncFeature implements Feature {
  readonly name = 'sync';
  readonly identity: ApplianceIdentity;
  /** The central's key and certificate pinned at enrolment (also the reference pulls'). */
  readonly trust: CentralTrust;
  readonly relay: OutboxRelay;
  readonly retention: RetentionFeature;
  readonly guard: AdmissionGuard;
  /** What each batch reports: audit-chain head and anchor, backlog, version, device states. */
  readonly status: ApplianceStatusReporter;
  readonly #store: Store;

  constructor(o: SyncFeatureOptions) {
    const log = o.logger ?? createLogger('sync');
    this.#store = o.store;
    this.identity = loadOrCreateIdentity(o.dataDir);
    if (this.identity.created) log.info({ deviceId: this.identity.deviceId }, 'appliance identity created; enrol it at the central');
    const configured = o.central.url !== '';
    const trust = loadCentralTrust(o.dataDir);
    this.trust = trust;
    const transport =
      o.transport !== undefined
        ? o.transport
        : configured
          ? new CentralClient({
              url: o.central.url,
              connectTimeoutMs: o.central.connectTimeoutMs,
              responseTimeoutMs: o.central.responseTimeoutMs,
              identity: this.identity,
              centralKey: trust.publicKey,
              pinnedTlsPem: trust.tlsPem,
              allowInsecureHttp: o.central.allowInsecureHttp ?? false,
              pipelining: pipeliningFor(o.sync.inFlightBatches),
            })
          : null;
    if (configured && o.central.allowInsecureHttp) log.warn('central.allowInsecureHttp: the link may use plain http:// (development only)');
    if (configured && !trust.publicKey) log.error("the central's public key is not pinned (keys/central-ed25519.pub): nothing is sent until the appliance is enrolled");
    this.status = new ApplianceStatusReporter({
      store: o.store,
      bus: o.bus,
      devices: o.devices ?? [],
      ...(o.softwareVersion !== undefined ? { softwareVersion: o.softwareVersion } : {}),
    });
    this.relay = new OutboxRelay({
      store: o.store,
      bus: o.bus,
      identity: this.identity,
      transport,
      bounds: { maxRecords: o.sync.batchMaxRecords, maxBytes: o.sync.batchMaxBytes },
      backoff: { baseMs: o.sync.backoffBaseMs, maxMs: o.sync.backoffMaxMs },
      unauthorisedRetryMs: o.sync.unauthorisedRetryMs,
      idlePollMs: o.sync.idlePollMs,
      maxBatchSeconds: o.sync.maxBatchSeconds ?? 15,
      inFlightBatches: o.sync.inFlightBatches ?? DEFAULT_IN_FLIGHT_BATCHES,
      probeIntervalMs: o.sync.probeIntervalMs ?? 30_000,
      responseTimeoutMs: o.central.responseTimeoutMs,
      status: this.status,
      logger: createLogger('sync:relay', log),
      ...(o.hooks ? { hooks: o.hooks } : {}),
      ...(o.blobSource ? { blobSource: o.blobSource } : {}),
    });
    this.retention = new RetentionFeature({ store: o.store, retentionDays: o.sync.retentionDays, logger: createLogger('sync:retention', log) });
    this.guard = new AdmissionGuard({
      dataDir: o.dataDir,
      store: o.store,
      minFreeDiskMb: o.sync.minFreeDiskMb,
      maxUnsyncedHours: o.sync.maxUnsyncedHours,
      centralConfigured: transport !== null,
    });
  }

  get store(): Store {
    return this.#store;
  }

  async start(): Promise<void> {
    await this.retention.start();
    await this.relay.start();
  }

  async stop(): Promise<void> {
    await this.relay.stop();
    await this.retention.stop();
    this.status.close();
  }
}
