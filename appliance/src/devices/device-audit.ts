import type { Logger } from '@lmc/core/logger.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Store } from '../store/index.ts';

/**
 * Device events of note go into the hash-chained audit log: connection changes and each document read
 * (format and validity only: the personal data is audited when it is attached to a registration).
 *
 * Durability: the row is committed (synchronous=FULL) inside the bus listener, and this module subscribes first
 * (start.ts starts it before every other module), so no later subscriber — the socket.io gateway, the scan
 * cache's readers — can report an event whose row a crash could still lose. The write is not on the serial data
 * path: the device features publish from setImmediate, not from the port's data callback
 * (mrz-reader-feature.ts; tested in device-audit.test.ts).
 */
export function auditDeviceEvents(bus: EventBus, store: Store, log: Logger): () => void {
  let lastState = new Map<string, string>();
  // An audit write that fails (disk full) must not take down the device path that published the event.
  const append = (entry: Parameters<Store['audit']['append']>[0]) => {
    try {
      store.audit.append(entry);
    } catch (err) {
      log.error({ code: (err as { code?: string }).code, action: entry.action }, 'audit append failed');
    }
  };
  const subs = [
    bus.subscribe('device.state', (e) => {
      // 'reading' flickers with every scan; the scan itself is audited below.
      if (e.state === 'reading' || lastState.get(e.device) === e.state) return;
      lastState = new Map(lastState).set(e.device, e.state);
      append({
        actor: `device:${e.device}`,
        action: `device.${e.state}`,
        entityType: 'device',
        entityId: e.device,
        details: { transportId: e.transportId, simulated: e.simulated, ...(e.reason ? { reason: e.reason } : {}) },
      });
    }),
    bus.subscribe('document.scanned', (e) => {
      append({
        actor: 'device:mrz',
        action: 'document.scanned',
        entityType: 'scan',
        entityId: e.scanId,
        details: { format: e.document?.format ?? null, valid: e.document?.valid ?? false, error: e.error?.code ?? null },
      });
    }),
  ];
  return () => {
    for (const s of subs) s();
  };
}
