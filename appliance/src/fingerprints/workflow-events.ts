import type { FingerprintReader } from '@lmc/firmware-bridge/fingerprint/fingerprint-reader.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { FingerprintFingerEvent, FingerprintWorkflowEvent, WorkflowKind } from './fingerprint-events.ts';
import type { FingerAttempt } from './finger-capture.ts';
import type { FingerName } from './fingers.ts';

/**
 * Publishes one workflow's events on the bus, each stamped with the workflow, registration and time.
 * `followReader` relays the reader's own prompts (it emits place-finger when it starts polling for a
 * touch, finger-detected when GenImg sees one, lift-finger when it waits for the glass to clear), tagged
 * with the finger and attempt in progress, so the UI prompt follows the sensor, not a guess.
 */
export class WorkflowEvents {
  constructor(
    private readonly bus: EventBus,
    readonly ref: { workflowId: string; registrationId: string; kind: WorkflowKind },
    private readonly now: () => Date,
  ) {}

  #base() {
    return { ...this.ref, at: this.now().toISOString() };
  }

  followReader(reader: FingerprintReader, current: () => { finger: FingerName; attempt: number } | undefined): () => void {
    const relay = (prompt: 'place-finger' | 'finger-detected' | 'lift-finger') => () => {
      const c = current();
      if (c) this.bus.publish('fingerprint.prompt', { ...this.#base(), ...c, prompt });
    };
    const handlers = { 'place-finger': relay('place-finger'), 'finger-detected': relay('finger-detected'), 'lift-finger': relay('lift-finger') };
    for (const [e, h] of Object.entries(handlers)) reader.on(e as 'place-finger', h);
    return () => {
      for (const [e, h] of Object.entries(handlers)) reader.off(e as 'place-finger', h);
    };
  }

  attempt(finger: FingerName, a: FingerAttempt): void {
    this.bus.publish('fingerprint.attempt', { ...this.#base(), finger, ...a });
  }

  finger(e: Omit<FingerprintFingerEvent, 'workflowId' | 'registrationId' | 'kind' | 'at'>): void {
    this.bus.publish('fingerprint.finger', { ...this.#base(), ...e });
  }

  workflow(e: Omit<FingerprintWorkflowEvent, 'workflowId' | 'registrationId' | 'kind' | 'at'>): void {
    this.bus.publish('fingerprint.workflow', { ...this.#base(), ...e });
  }
}
