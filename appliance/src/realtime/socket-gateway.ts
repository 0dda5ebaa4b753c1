import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { DeviceStateEvent, EventBus } from '../events/event-bus.ts';
import { checkHostAndOrigin } from '../http/host-guard.ts';
import type { SyncStatus } from '../sync/sync-status.ts';

export interface SocketSessions {
  /** The live session of the handshake's cookie, or null (does not count as activity). */
  authorize(request: IncomingMessage): { sessionKey: string } | null;
  /** Whether a session is still live; never counts as activity. */
  isLive(sessionKey: string): boolean;
  /** Told every session that ends (sign-out, revocation); returns the unsubscribe. */
  onEnd(listener: (sessionKey: string) => void): () => void;
}

export interface SocketGatewayOptions {
  bus: EventBus;
  devices: () => DeviceStateEvent[];
  sessions: SocketSessions;
  /** Host names the appliance answers to (http/host-guard.ts): checked on every handshake. */
  allowedHosts: ReadonlySet<string>;
  syncStatus?: () => SyncStatus;
  /** How often sockets are checked against idle logout and shift end. Default 5 s. */
  sessionCheckMs?: number;
}

/** Room of sockets whose session is live: every push goes only there. */
const SIGNED_IN = 'signed-in';

/**
 * socket.io gateway: the only place that pushes to the UI. It subscribes to the bus; no feature calls it.
 * Event names on the wire: device:state, document:scanned, device:read-rejected, registration:changed, sync:status, print:job,
 * fingerprint:prompt, fingerprint:attempt, fingerprint:finger, fingerprint:workflow, chip:read.
 * A new client first receives the current device states and forwarding status. The handshake must name this appliance
 * (Host, and Origin when sent) and carry a live session cookie; personal data is pushed here, so a socket lives exactly
 * as long as its session: it is disconnected at sign-out, revocation, idle logout and shift end.
 */
export function attachSocketGateway(server: HttpServer, opts: SocketGatewayOptions): { close(): Promise<void> } {
  const { bus, devices, sessions, syncStatus } = opts;
  const io = new Server(server, {
    serveClient: false,
    cors: { origin: false },
    allowRequest: (request, callback) => {
      try {
        // A handshake is treated as state-changing: an Origin, when sent, must be this very appliance.
        checkHostAndOrigin(opts.allowedHosts, 'POST', request.headers);
        callback(null, true);
      } catch {
        callback('FOREIGN_ORIGIN', false);
      }
    },
  });
  io.use((socket, next) => {
    const session = sessions.authorize(socket.request);
    if (!session) return next(new Error('AUTH_REQUIRED'));
    socket.data.sessionKey = session.sessionKey;
    return next();
  });
  io.on('connection', (socket) => {
    void socket.join(SIGNED_IN);
    for (const state of devices()) socket.emit('device:state', state);
    if (syncStatus) {
      try {
        socket.emit('sync:status', syncStatus());
      } catch {
        /* the store is closing: the next sync.status event brings the status */
      }
    }
  });
  const drop = (socket: Socket) => {
    void socket.leave(SIGNED_IN);
    socket.disconnect(true);
  };
  const dropSession = (sessionKey: string) => {
    for (const socket of io.sockets.sockets.values()) if (socket.data.sessionKey === sessionKey) drop(socket);
  };
  const stopEnded = sessions.onEnd(dropSession);
  // Idle logout and shift end happen without a request: look at every socket's session now and then.
  const checker = setInterval(() => {
    for (const socket of io.sockets.sockets.values()) {
      const key = socket.data.sessionKey as string | undefined;
      if (!key || !sessions.isLive(key)) drop(socket);
    }
  }, opts.sessionCheckMs ?? 5_000);
  checker.unref();
  const emit = (event: string, payload: unknown) => io.to(SIGNED_IN).emit(event, payload);
  const unsubscribe = [
    bus.subscribe('device.state', (e) => emit('device:state', e)),
    bus.subscribe('document.scanned', ({ receivedAt: _r, ...e }) => emit('document:scanned', e)),
    bus.subscribe('device.read-rejected', (e) => emit('device:read-rejected', e)),
    bus.subscribe('registration.changed', (e) => emit('registration:changed', e)),
    bus.subscribe('sync.status', (e) => emit('sync:status', e)),
    bus.subscribe('printer.job', (e) => emit('print:job', e)),
    bus.subscribe('fingerprint.prompt', (e) => emit('fingerprint:prompt', e)),
    bus.subscribe('fingerprint.attempt', (e) => emit('fingerprint:attempt', e)),
    bus.subscribe('fingerprint.finger', (e) => emit('fingerprint:finger', e)),
    bus.subscribe('fingerprint.workflow', (e) => emit('fingerprint:workflow', e)),
    bus.subscribe('chip.read', (e) => emit('chip:read', e)),
  ];
  return {
    close: () =>
      new Promise((resolve) => {
        for (const u of unsubscribe) u();
        stopEnded();
        clearInterval(checker);
        void io.close(() => resolve());
      }),
  };
}
