/**
 * Test support for the chip module: what the counter does around a read, on a real store and bus. Import only
 * from tests.
 */
import { randomUUID } from 'node:crypto';
import { parseMrz } from '@lmc/firmware-bridge/mrz/index.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Store } from '../store/index.ts';
import type { ChipReadEvent } from './chip-types.ts';

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
