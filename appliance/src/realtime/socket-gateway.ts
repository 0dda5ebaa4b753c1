import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { Server } from 'socket.io';
import type { DeviceStateEvent, EventBus } from '../events/event-bus.ts';
import type { SyncStatus } from '../sync/sync-status.ts';

/**
 * socket.io gateway: the only place that pushes to the UI. It subscribes to the bus; no feature calls it.
 * Event names on the wire: device:state, document:scanned, device:read-rejected, registration:changed, sync:status, print:job,
 * fingerprint:prompt, fingerprint:attempt, fingerprint:finger, fingerprint:workflow.
 * A new client first receives the current device states and forwarding status. The handshake must carry a live session cookie
 * (`authorize`, from auth/): personal data is pushed here, so an anonymous client is refused.
 */
export function attachSocketGateway(
  server: HttpServer,
  bus: EventBus,
  devices: () => DeviceStateEvent[],
  authorize: (request: IncomingMessage) => boolean,
  syncStatus?: () => SyncStatus,
): { close(): Promise<void> } {
  const io = new Server(server, { serveClient: false, cors: { origin: false } });
  io.use((socket, next) => (authorize(socket.request) ? next() : next(new Error('AUTH_REQUIRED'))));
  io.on('connection', (socket) => {
    for (const state of devices()) socket.emit('device:state', state);
    if (syncStatus) {
      try {
        socket.emit('sync:status', syncStatus());
      } catch {
        /* the store is closing: the next sync.status event brings the status */
      }
    }
  });
  const unsubscribe = [
    bus.subscribe('device.state', (e) => io.emit('device:state', e)),
    bus.subscribe('document.scanned', ({ receivedAt: _r, ...e }) => io.emit('document:scanned', e)),
    bus.subscribe('device.read-rejected', (e) => io.emit('device:read-rejected', e)),
    bus.subscribe('registration.changed', (e) => io.emit('registration:changed', e)),
    bus.subscribe('sync.status', (e) => io.emit('sync:status', e)),
    bus.subscribe('printer.job', (e) => io.emit('print:job', e)),
    bus.subscribe('fingerprint.prompt', (e) => io.emit('fingerprint:prompt', e)),
    bus.subscribe('fingerprint.attempt', (e) => io.emit('fingerprint:attempt', e)),
    bus.subscribe('fingerprint.finger', (e) => io.emit('fingerprint:finger', e)),
    bus.subscribe('fingerprint.workflow', (e) => io.emit('fingerprint:workflow', e)),
  ];
  return {
    close: () =>
      new Promise((resolve) => {
        for (const u of unsubscribe) u();
        io.close(() => resolve());
      }),
  };
}
