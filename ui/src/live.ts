import { io, type Socket } from 'socket.io-client';
import { ApiError, api, reportSessionLost } from './api.ts';
import { Store } from './state/store.ts';
import type { DeviceKind, DeviceStateEvent, FingerprintPromptEvent, Registration, ScanEvent, SyncInfo } from './types.ts';

export interface LiveState {
  /** The socket.io link to the appliance is up. */
  connected: boolean;
  devices: Partial<Record<DeviceKind, DeviceStateEvent>>;
  /** null: not asked yet; 'absent': this appliance has no sync module (404). */
  sync: SyncInfo | null | 'absent';
}

export const live = new Store<LiveState>({ connected: false, devices: {}, sync: null });

type ScanHandler = (e: ScanEvent) => void;
const scanHandlers = new Set<ScanHandler>();
const registrationHandlers = new Set<(r: Registration) => void>();

/** Workflow, printer and chip events, by socket.io event name (fingerprint:*, print:job, chip:read). */
const LIVE_EVENTS = ['fingerprint:prompt', 'fingerprint:attempt', 'fingerprint:finger', 'fingerprint:workflow', 'print:job', 'chip:read'] as const;
export type LiveEvent = (typeof LIVE_EVENTS)[number];
const liveHandlers = new Map<LiveEvent, Set<(e: never) => void>>();

/** The reader's latest prompt (place / lift which finger, for which registration): the simulate drawer follows it. */
export const fingerPrompt = new Store<FingerprintPromptEvent | null>(null);

let socket: Socket | null = null;

/** After sign-in: the handshake carries the session cookie (the gateway refuses anonymous clients). */
export function connectLive(): void {
  if (socket) return;
  socket = io({ transports: ['websocket'], reconnectionDelayMax: 5000 });
  socket.on('connect', () => {
    live.update((s) => ({ ...s, connected: true }));
    void refreshDevices();
    void refreshSync();
  });
  socket.on('disconnect', (reason) => {
    live.update((s) => ({ ...s, connected: false }));
    // The appliance drops a socket when its session ends (idle logout, sign-out elsewhere): a background request
    // then meets AUTH_REQUIRED and the app returns to sign-in. If the session is still live, reconnect.
    if (reason === 'io server disconnect') {
      api('GET', '/api/auth/session', undefined, { background: true }).then(
        () => socket?.connect(),
        (err: unknown) => {
          if (err instanceof ApiError && err.code === 'AUTH_REQUIRED') reportSessionLost();
        },
      );
    }
  });
  socket.on('device:state', (e: DeviceStateEvent) => live.update((s) => ({ ...s, devices: { ...s.devices, [e.device]: e } })));
  socket.on('sync:status', (e: SyncInfo) => live.update((s) => ({ ...s, sync: e })));
  socket.on('document:scanned', (e: ScanEvent) => {
    for (const h of scanHandlers) h(e);
  });
  socket.on('registration:changed', (e: { registration: Registration }) => {
    for (const h of registrationHandlers) h(e.registration);
  });
  for (const name of LIVE_EVENTS) {
    socket.on(name, (e: unknown) => {
      if (name === 'fingerprint:prompt') fingerPrompt.set(e as FingerprintPromptEvent);
      if (name === 'fingerprint:workflow' && (e as { state: string }).state !== 'started') fingerPrompt.set(null);
      for (const h of liveHandlers.get(name) ?? []) (h as (e: unknown) => void)(e);
    });
  }
}

export function disconnectLive(): void {
  socket?.close();
  socket = null;
  live.set({ connected: false, devices: {}, sync: null });
}

export function onScan(handler: ScanHandler): () => void {
  scanHandlers.add(handler);
  return () => scanHandlers.delete(handler);
}

/** Subscribe to a workflow or printer event; returns the unsubscribe. */
export function onLive<T>(event: LiveEvent, handler: (e: T) => void): () => void {
  let set = liveHandlers.get(event);
  if (!set) {
    set = new Set();
    liveHandlers.set(event, set);
  }
  set.add(handler as (e: never) => void);
  return () => set.delete(handler as (e: never) => void);
}

export function onRegistrationChanged(handler: (r: Registration) => void): () => void {
  registrationHandlers.add(handler);
  return () => registrationHandlers.delete(handler);
}

async function refreshDevices(): Promise<void> {
  try {
    const list = await api<DeviceStateEvent[]>('GET', '/api/devices', undefined, { background: true });
    // Merged, not replaced: a device:state pushed while this request was in flight is newer than the list.
    live.update((s) => ({ ...s, devices: { ...s.devices, ...Object.fromEntries(list.map((d) => [d.device, d])) } }));
  } catch {
    /* the socket pushes states as they change */
  }
}

async function refreshSync(): Promise<void> {
  try {
    // GET /api/sync answers { status, device }; the socket's sync:status pushes the status itself.
    const info = await api<{ status: SyncInfo }>('GET', '/api/sync', undefined, { background: true });
    live.update((s) => ({ ...s, sync: s.sync && s.sync !== 'absent' && (s.sync.at ?? '') > (info.status.at ?? '') ? s.sync : info.status }));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) live.update((s) => ({ ...s, sync: 'absent' }));
  }
}
