import type { MrzDocument } from '@lmc/firmware-bridge/mrz/index.ts';
import type { Registration } from '../store/index.ts';
import type { SyncStatus } from '../sync/sync-status.ts';
import type { PrintJobEvent } from '../printing/print-queue.ts';
import type {
  FingerprintAttemptEvent,
  FingerprintFingerEvent,
  FingerprintPromptEvent,
  FingerprintWorkflowEvent,
} from '../fingerprints/fingerprint-events.ts';
import type { ChipReadEvent } from '../chip/chip-types.ts';

export type DeviceKind = 'mrz' | 'fingerprint' | 'printer' | 'chip';
/** 'unresponsive': the port is open but the device does not answer its liveness probe (firmware-bridge DeviceHost). */
export type DeviceConnectionState = 'connecting' | 'connected' | 'reading' | 'unresponsive' | 'disconnected' | 'error' | 'absent';

export interface DeviceStateEvent {
  device: DeviceKind;
  state: DeviceConnectionState;
  /** For the technician's log, in English ("port closed"); the UI shows `code` (or the state) in the officer's language. */
  reason?: string;
  /** A coded reason the UI translates (deviceReason.<code>), e.g. PRINTER_PAPER_OUT, PRINTER_PAPER_NEAR_END. */
  code?: string;
  simulated: boolean;
  transportId: string;
  at: string;
}

export interface DocumentScannedEvent {
  scanId: string;
  at: string;
  lines: string[];
  framing: string;
  /** null when the lines could not be parsed at all; see `error`. */
  document: MrzDocument | null;
  error?: { code: string; message: string };
  /** performance.now() when the last byte arrived at the driver (for latency measurement). */
  receivedAt: number;
}

export interface ReadRejectedEvent {
  device: DeviceKind;
  /** Why the bytes were not a scan (firmware-bridge RejectCodes: INCOMPLETE_READ, PARTIAL_LINE, GARBAGE …). */
  code?: string;
  reason: string;
  byteCount: number;
  at: string;
}

export interface RegistrationChangedEvent {
  registration: Registration;
  change: 'created' | 'document-attached' | 'finalized' | 'approved' | 'language-set' | 'discarded' | 'expired';
}

/** Every event the appliance publishes. The socket.io gateway and the audit log subscribe; features publish. */
export interface BusEvents {
  'device.state': DeviceStateEvent;
  'document.scanned': DocumentScannedEvent;
  'device.read-rejected': ReadRejectedEvent;
  'registration.changed': RegistrationChangedEvent;
  /** Forwarding to the central database: queue, link state, throughput (sync/outbox-relay.ts). */
  'sync.status': SyncStatus;
  /** A receipt print job changed: queued, printing, done, failed (printing/print-queue.ts). */
  'printer.job': PrintJobEvent;
  /** Fingerprint capture/verification (fingerprints/): prompts for the person, attempts, fingers done, workflow state. */
  'fingerprint.prompt': FingerprintPromptEvent;
  'fingerprint.attempt': FingerprintAttemptEvent;
  'fingerprint.finger': FingerprintFingerEvent;
  'fingerprint.workflow': FingerprintWorkflowEvent;
  /** A passport chip read after a scan or on request: progress, then the result (chip/chip-service.ts). */
  'chip.read': ChipReadEvent;
}

export type BusEventName = keyof BusEvents;

type Listener = (payload: never) => void;

export interface EventBusOptions {
  /** Told of a listener that threw; the event still reaches every other listener. Default: console.error. */
  onListenerError?: (event: BusEventName, err: unknown) => void;
}

/**
 * A typed, synchronous event bus: the single source of live events (zigbee2mqtt lib/eventBus.ts).
 * Each listener runs in its own try/catch: one that throws is reported and changes nothing for the publisher or
 * the other listeners. Subscriptions can be grouped by owner (a module) and dropped together at its stop.
 */
export class EventBus {
  readonly #listeners = new Map<BusEventName, Set<Listener>>();
  readonly #owners = new Map<string, Set<() => void>>();
  readonly #onError: (event: BusEventName, err: unknown) => void;

  constructor(options: EventBusOptions = {}) {
    this.#onError =
      options.onListenerError ??
      ((event, err) => console.error(`event bus: a ${event} listener failed: ${(err as Error)?.message ?? String(err)}`));
  }

  publish<K extends BusEventName>(name: K, payload: BusEvents[K]): void {
    const listeners = this.#listeners.get(name);
    if (!listeners) return;
    for (const listener of [...listeners]) {
      try {
        (listener as (p: BusEvents[K]) => void)(payload);
      } catch (err) {
        try {
          this.#onError(name, err);
        } catch {
          /* a failing error reporter must not break publishing either */
        }
      }
    }
  }

  /** Adds a listener; the returned function removes it. `owner` groups it for `dropOwner` (a module's stop). */
  subscribe<K extends BusEventName>(name: K, listener: (payload: BusEvents[K]) => void, owner?: string): () => void {
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    const entry = listener as Listener;
    set.add(entry);
    const unsubscribe = () => {
      this.#listeners.get(name)?.delete(entry);
      if (owner) this.#owners.get(owner)?.delete(unsubscribe);
    };
    if (owner) {
      let owned = this.#owners.get(owner);
      if (!owned) {
        owned = new Set();
        this.#owners.set(owner, owned);
      }
      owned.add(unsubscribe);
    }
    return unsubscribe;
  }

  /** Removes every listener a module subscribed under `owner`. */
  dropOwner(owner: string): void {
    for (const unsubscribe of [...(this.#owners.get(owner) ?? [])]) unsubscribe();
    this.#owners.delete(owner);
  }

  listenerCount(name: BusEventName): number {
    return this.#listeners.get(name)?.size ?? 0;
  }
}
