/**
 * The chip part, ready for the composition root and build({ chip }): the reader feature (DeviceHost), the CSCA
 * certificates (plus the simulated state's CSCA when simulated), the repository on the store's connection with the
 * data key, and the service that reads after every scan. A reader that cannot start leaves the rest usable.
 */
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { loadOrCreateDataKey } from '../crypto/data-key.ts';
import { startDeviceFeature } from '../devices/device-state.ts';
import type { EventBus } from '../events/event-bus.ts';
import { centralEncryptionKey } from '../fingerprints/start-fingerprints.ts';
import type { Store } from '../store/index.ts';
import type { ChipDeviceConfig } from './chip-config.ts';
import { ChipFeature } from './chip-feature.ts';
import { ChipRepository } from './chip-repository.ts';
import { ChipService } from './chip-service.ts';
import { SyncedCscas } from './csca-sync.ts';
import { type CscaTrust, loadCscaTrust, unionCscaTrust } from './csca-trust.ts';

export interface RunningChip {
  feature: ChipFeature;
  service: ChipService;
  /** The stored reads; the relay serves the sealed faces from it (sealedFace). */
  repository: ChipRepository;
  trust: () => CscaTrust;
  stop(): Promise<void>;
}

export async function startChip(o: {
  config: ChipDeviceConfig;
  dataDir: string;
  store: Store;
  bus: EventBus;
  logger: Logger;
  now?: () => Date;
  readerWaitMs?: number;
  reconnect?: { minMs: number; maxMs: number };
}): Promise<RunningChip> {
  const log = o.logger;
  const feature = new ChipFeature({
    config: o.config,
    bus: o.bus,
    logger: createLogger('device:chip', log),
    ...(o.now ? { now: o.now } : {}),
    ...(o.readerWaitMs ? { readerWaitMs: o.readerWaitMs } : {}),
    ...(o.reconnect ? { reconnect: o.reconnect } : {}),
  });
  await startDeviceFeature(feature, o.bus, log, 'chip reader');
  const c = o.config;
  const simulated = feature.simulatedCscaList;
  let trust: CscaTrust = { certificates: [], files: [], refused: [] };
  if (c.transport !== 'none') trust = await loadCscaTrust(c.cscaPath, createLogger('chip:csca', log), simulated ? [simulated] : []);
  // The local file plus the certificates the central sends down with the reference pull (#18).
  const current = c.transport === 'none' ? () => trust : unionCscaTrust(trust, new SyncedCscas(o.store.connection, createLogger('chip:csca', log)));
  // Faces are sealed to the central too when its encryption key is pinned (forwarded with the record, issue #18).
  const repository = new ChipRepository(o.store, loadOrCreateDataKey(o.dataDir), centralEncryptionKey(o.dataDir, createLogger('chip:seal', log), 'faces'));
  const service = new ChipService({ feature, repository, store: o.store, bus: o.bus, trust: current, logger: createLogger('chip', log), ...(o.now ? { now: o.now } : {}) });
  service.start();
  return {
    feature,
    service,
    repository,
    trust: current,
    async stop() {
      await service.stop();
      await feature.stop();
    },
  };
}
