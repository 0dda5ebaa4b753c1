/**
 * Test support for the chip module: what the counter does around a read, on a real store and bus. Import only
 * from tests.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@lmc/core/logger.ts';
import { parseMrz } from '@lmc/firmware-bridge/mrz/index.ts';
import { EventBus } from '../events/event-bus.ts';
import { openApplianceStore } from '../schema.ts';
import type { Store } from '../store/index.ts';
import { ChipFeature } from './chip-feature.ts';
import type { ChipReadEvent } from './chip-types.ts';

export interface ChipRig {
  dir: string;
  store: Store;
  bus: EventBus;
  /** The in-process simulated reader (no pcscd), started. */
  feature: ChipFeature;
  /** Stops the reader, closes the store and removes the data folder (stop a service on it first). */
  close(): Promise<void>;
}

/** A fresh data folder with the appliance's store, a bus and the simulated chip reader, started. */
export async function openChipRig(prefix: string): Promise<ChipRig> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const store = openApplianceStore({ dataDir: dir });
  const bus = new EventBus();
  const feature = new ChipFeature({ config: { transport: 'simulator', chunk: 0xdf, cardWaitMs: 200 }, bus, logger: createLogger('chip-test') });
  await feature.start();
  return {
    dir,
    store,
    bus,
    feature,
    async close() {
      await feature.stop();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The scan on the bus, the document attached to the registration (a new one unless given), and the chip's final event for it. */
export async function scanAndAttach(store: Store, bus: EventBus, lines: string[], registrationId?: string): Promise<{ id: string; event: ChipReadEvent }> {
  const id = registrationId ?? store.registrations.create({ officeCode: 'BBR', officerId: 'o1' }).id;
  const done = new Promise<ChipReadEvent>((resolve) => {
    const off = bus.subscribe('chip.read', (e) => {
      if (e.registrationId === id && e.status !== 'reading') {
        off();
        resolve(e);
      }
    });
  });
  const document = parseMrz(lines);
  bus.publish('document.scanned', { scanId: randomUUID(), at: new Date().toISOString(), lines, framing: 'cr', document, receivedAt: 0 });
  const registration = store.registrations.attachDocument(id, { ...document }, 'o1');
  bus.publish('registration.changed', { registration, change: 'document-attached' });
  return { id, event: await done };
}
