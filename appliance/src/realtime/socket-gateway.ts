import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { DeviceStateEvent, EventBus } from '../events/event-bus.ts';

/**
 * socket.io gateway: the only place that pushes to the UI. It subscribes to the bus; no feature calls it.
 * Event names on the wire: device:state, document:scanned, device:read-rejected, registration:changed.
 * A new client first receives the current device states.
 */
export function attachSocketGateway(server: HttpServer, bus: EventBus, devices: () => DeviceStateEvent[]): { close(): Promise<void> } {
  const io = new Server(server, { serveClient: false, cors: { origin: false } });
  io.on('connection', (socket) => {
    for (const state of devices()) socket.emit('device:state', state);
  });
  const unsubscribe = [
    bus.subscribe('device.state', (e) => io.emit('device:state', e)),
    bus.subscribe('document.scanned', ({ receivedAt: _r, ...e }) => io.emit('document:scanned', e)),
    bus.subscribe('device.read-rejected', (e) => io.emit('device:read-rejected', e)),
    bus.subscribe('registration.changed', (e) => io.emit('registration:changed', e)),
  ];
  return {
    close: () =>
      new Promise((resolve) => {
        for (const u of unsubscribe) u();
        io.close(() => resolve());
      }),
  };
}
