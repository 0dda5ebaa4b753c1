import { createLogger, type Logger } from '@lmc/core/logger.ts';
import type { ZfmTimeouts } from '@lmc/firmware-bridge/zfm/zfm-transaction.ts';
import { loadOrCreateDataKey } from '../crypto/data-key.ts';
import { startDeviceFeature } from '../devices/device-state.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Store } from '../store/index.ts';
import type { CapturePlan, FingerprintDeviceConfig } from './fingerprint-config.ts';
import { FingerprintFeature } from './fingerprint-feature.ts';
import { FingerprintService } from './fingerprint-service.ts';
import { TemplateVault } from './template-vault.ts';
import { loadCentralTrust } from '../keys/central-trust.ts';
import type { X25519Recipient } from '@lmc/protocol/print-seal.ts';

/** The central's encryption key pinned at enrolment, or null (prints, or the chip's faces, then stay sealed for this appliance only). */
export function centralEncryptionKey(dataDir: string, log: Logger, what = 'prints'): X25519Recipient | null {
  try {
    const encryption = loadCentralTrust(dataDir).encryption;
    log.info({ centralKeyId: encryption?.keyId ?? null }, encryption ? `${what} are also sealed to the central` : `no central encryption key pinned: ${what} stay sealed for this appliance only`);
    return encryption;
  } catch (err) {
    log.error({ code: (err as { code?: string }).code }, `the central's pinned keys cannot be read: ${what} stay sealed for this appliance only`);
    return null;
  }
}

export interface RunningFingerprints {
  feature: FingerprintFeature;
  service: FingerprintService;
  vault: TemplateVault;
  stop(): Promise<void>;
}

/**
 * The fingerprint part, ready for build({ fingerprints }): the data key (created at first start), the
 * encrypted template vault, the reader feature and the workflow service. A reader that cannot start
 * (no socat for the simulator, a missing port) leaves the rest usable and shows as state 'error'.
 */
export async function startFingerprints(o: {
  device: FingerprintDeviceConfig;
  plan: CapturePlan;
  dataDir: string;
  store: Store;
  bus: EventBus;
  logger: Logger;
  reconnect?: { minMs: number; maxMs: number };
  timeouts?: Partial<ZfmTimeouts>;
}): Promise<RunningFingerprints> {
  const log = o.logger;
  const key = loadOrCreateDataKey(o.dataDir);
  // Path and key id only: never the key.
  if (key.created) log.info({ path: key.path, keyId: key.keyId }, 'data encryption key created');
  if (key.permissive) log.warn({ path: key.path }, 'data encryption key file is readable by other users: chmod 600 it');
  const vault = new TemplateVault({ db: o.store.connection, key, central: centralEncryptionKey(o.dataDir, log), logger: createLogger('fingerprints:vault', log) });
  const feature = new FingerprintFeature({
    config: o.device,
    bus: o.bus,
    logger: createLogger('device:fingerprint', log),
    ...(o.reconnect ? { reconnect: o.reconnect } : {}),
    ...(o.timeouts ? { timeouts: o.timeouts } : {}),
  });
  await startDeviceFeature(feature, o.bus, log, 'fingerprint reader');
  const service = new FingerprintService({ device: feature, vault, store: o.store, bus: o.bus, plan: o.plan, logger: createLogger('fingerprints', log) });
  return {
    feature,
    service,
    vault,
    async stop() {
      await service.stop();
      await feature.stop();
      vault.close();
    },
  };
}
