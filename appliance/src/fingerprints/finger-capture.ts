import { isApplianceError } from '../errors.ts';
import { fingerprintError } from '@lmc/firmware-bridge/fingerprint/fingerprint-errors.ts';
import type { FingerprintReader, GreyImage } from '@lmc/firmware-bridge/fingerprint/fingerprint-reader.ts';
import { scoreFingerprintQuality } from '../workers/cpu-jobs.ts';
import type { CapturePlan } from './fingerprint-config.ts';
import type { FingerName } from './fingers.ts';
import type { WorkflowEvents } from './workflow-events.ts';

/**
 * Capture errors the person at the glass can fix by pressing again: they use up one attempt.
 * Everything else (the reader stopped answering, the port went away, a timeout, cancel) ends the workflow.
 */
const RETRYABLE = new Set([
  'FP_NO_FINGER', // lifted between detection and GenImg
  'FP_ENROL_FAILED',
  'FP_IMAGE_MESSY',
  'FP_TOO_FEW_FEATURES',
  'FP_NO_VALID_IMAGE',
  'FP_IMAGE_TRANSFER',
  'FP_TEMPLATE_TRANSFER',
  'FP_IMAGE_UPLOAD_ERROR',
  'FP_TEMPLATE_UPLOAD_ERROR',
]);

export interface FingerAttempt {
  attempt: number;
  quality: number | null;
  accepted: boolean;
  error?: { code: string; message: string };
}

export interface BestCapture {
  attempt: number;
  quality: number;
  template: Uint8Array;
  image: GreyImage;
}

export interface FingerCaptureResult {
  finger: FingerName;
  /** Highest-quality attempt that produced a template, or undefined when none did. */
  best: BestCapture | undefined;
  attempts: number;
  /** best.quality ≥ minQuality. */
  accepted: boolean;
}

export interface FingerCaptureOptions {
  reader: FingerprintReader;
  finger: FingerName;
  attempts: number;
  minQuality: number;
  placeTimeoutMs: number;
  liftTimeoutMs: number;
  signal: AbortSignal;
  onAttemptStart?: (attempt: number) => void;
  onAttempt?: (a: FingerAttempt) => void;
}

/**
 * One finger: place → capture (GenImg, UpImage, Img2Tz, UpChar on the reader) → score → lift, repeated
 * until an attempt reaches the plan's minimum quality or the attempts run out. The best attempt is
 * kept, whether or not it reached the threshold: the caller decides what a low-quality best means.
 */
export async function captureFinger(o: FingerCaptureOptions): Promise<FingerCaptureResult> {
  let best: BestCapture | undefined;
  let attempts = 0;
  for (let attempt = 1; attempt <= o.attempts; attempt++) {
    if (o.signal.aborted) throw fingerprintError('FP_ABORTED');
    attempts = attempt;
    o.onAttemptStart?.(attempt);
    await o.reader.waitForFinger({ timeoutMs: o.placeTimeoutMs, signal: o.signal });
    let outcome: FingerAttempt;
    try {
      const { image, template } = await o.reader.capture();
      const quality = await scoreFingerprintQuality(image); // in the CPU pool, off the event loop
      if (!best || quality > best.quality) best = { attempt, quality, template, image };
      outcome = { attempt, quality, accepted: quality >= o.minQuality };
    } catch (err) {
      if (!isApplianceError(err) || !RETRYABLE.has(err.code)) throw err;
      outcome = { attempt, quality: null, accepted: false, error: { code: err.code, message: err.message } };
    }
    o.onAttempt?.(outcome);
    // Always wait for the glass to clear: the next attempt, or the next finger, must see a new touch.
    await o.reader.waitForLift({ timeoutMs: o.liftTimeoutMs, signal: o.signal });
    if (outcome.accepted) break;
  }
  return { finger: o.finger, best, attempts, accepted: best !== undefined && best.quality >= o.minQuality };
}

/** What both the capture plan and returning-migrant verification hand to one finger's capture. */
export interface PlannedCaptureContext {
  reader: FingerprintReader;
  plan: CapturePlan;
  signal: AbortSignal;
  events: WorkflowEvents;
}

/** One finger captured under the office's plan (attempts, quality floor, timeouts), with live attempt events. */
export function capturePlannedFinger(
  c: PlannedCaptureContext,
  finger: FingerName,
  onAttemptStart: (attempt: number) => void,
): Promise<FingerCaptureResult> {
  return captureFinger({
    reader: c.reader,
    finger,
    attempts: c.plan.attempts,
    minQuality: c.plan.minQuality,
    placeTimeoutMs: c.plan.placeTimeoutMs,
    liftTimeoutMs: c.plan.liftTimeoutMs,
    signal: c.signal,
    onAttemptStart,
    onAttempt: (a) => c.events.attempt(finger, a),
  });
}
