import type { ExceptionReason, FingerName } from './fingers.ts';

/**
 * Bus payloads of the fingerprint workflows (listed in events/event-bus.ts, pushed to the UI by the
 * socket.io gateway as fingerprint:prompt, fingerprint:attempt, fingerprint:finger, fingerprint:workflow).
 * None carries template or image bytes.
 */
export type WorkflowKind = 'capture' | 'verify';

interface WorkflowRef {
  workflowId: string;
  registrationId: string;
  kind: WorkflowKind;
  at: string;
}

/** What the officer tells the person: from the reader itself, when it starts waiting or sees a finger. */
export interface FingerprintPromptEvent extends WorkflowRef {
  finger: FingerName;
  attempt: number;
  prompt: 'place-finger' | 'finger-detected' | 'lift-finger';
}

/** One capture of one finger: its quality, or why the reader could not use it. */
export interface FingerprintAttemptEvent extends WorkflowRef {
  finger: FingerName;
  attempt: number;
  /** scoreQuality() 0–100; null when the capture failed. */
  quality: number | null;
  /** Meets the plan's minimum quality. */
  accepted: boolean;
  error?: { code: string; message: string };
}

/** A finger is done: the best attempt was kept, or none was usable. */
export interface FingerprintFingerEvent extends WorkflowRef {
  finger: FingerName;
  outcome: 'captured' | 'low-quality' | 'failed' | 'exception';
  quality: number | null;
  attempts: number;
  reason?: ExceptionReason;
}

export interface VerificationComparison {
  finger: FingerName;
  /** Live capture quality. */
  quality: number;
  match: boolean;
  /** The sensor's Match score (ZFM: 0…~1000 on the module's own scale). */
  score: number;
}

export interface FingerprintWorkflowEvent extends WorkflowRef {
  state: 'started' | 'completed' | 'failed' | 'cancelled';
  fingers: FingerName[];
  error?: { code: string; message: string };
  /** Verification only, when completed. */
  verification?: { decision: 'match' | 'no-match'; againstRegistrationId: string; comparisons: VerificationComparison[] };
}
