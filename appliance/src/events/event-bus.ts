import { EventEmitter } from 'node:events';
import type { MrzDocument } from '../../../firmware-bridge/src/mrz/index.ts';
import type { Registration } from '../store/index.ts';
import type { SyncStatus } from '../sync/sync-status.ts';
import type { PrintJobEvent } from '../printing/print-queue.ts';
import type {
  FingerprintAttemptEvent,
  FingerprintFingerEvent,
  FingerprintPromptEvent,
  FingerprintWorkflowEvent,
} from '../fingerprints/fingerprint-events.ts';

export type DeviceKind = 'mrz' | 'fingerprint' | 'printer';
export type DeviceConnectionState = 'connecting' | 'connected' | 'reading' | 'disconnected' | 'error' | 'absent';

export interface DeviceStateEvent {
  device: DeviceKind;
  state: DeviceConnectionState;
  reason?: string;
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
  reason: string;
  byteCount: number;
  at: string;
}

export interface RegistrationChangedEvent {
  registration: Registration;
  change: 'created' | 'document-attached' | 'finalized';
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
}

export type BusEventName = keyof BusEvents;

/** A typed, synchronous event bus: the single source of live events. */
export class EventBus {
  readonly #emitter = new EventEmitter({ captureRejections: false });

  constructor() {
    this.#emitter.setMaxListeners(50);
  }

  publish<K extends BusEventName>(name: K, payload: BusEvents[K]): void {
    this.#emitter.emit(name, payload);
  }

  subscribe<K extends BusEventName>(name: K, listener: (payload: BusEvents[K]) => void): () => void {
    this.#emitter.on(name, listener);
    return () => this.#emitter.off(name, listener);
  }
}
