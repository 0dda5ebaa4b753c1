import type { FingerprintReader } from '@lmc/firmware-bridge/fingerprint/fingerprint-reader.ts';
import type { CapturePlan } from './fingerprint-config.ts';
import type { VerificationComparison } from './fingerprint-events.ts';
import { type FingerCaptureResult, capturePlannedFinger } from './finger-capture.ts';
import type { FingerName } from './fingers.ts';
import type { ReferenceTemplate } from './template-vault.ts';
import type { WorkflowEvents } from './workflow-events.ts';

export interface VerificationInput {
  reader: FingerprintReader;
  plan: CapturePlan;
  /** Templates of the earlier registration, already filtered to the reader's template format. */
  references: readonly ReferenceTemplate[];
  signal: AbortSignal;
  events: WorkflowEvents;
  /**
   * Each live capture, before it is compared: the service keeps it as that finger's capture of the registration, so
   * a returning migrant's finger is not read twice (issue #14 item 3).
   */
  keep?: (finger: FingerName, live: FingerCaptureResult) => Promise<void> | void;
}

export interface VerificationResult {
  decision: 'match' | 'no-match';
  comparisons: VerificationComparison[];
}

/**
 * Returning-migrant verification, one finger at a time in the plan's order: capture live, then match on
 * the sensor (DownChar of the live and the stored template into CharBuffer1/2, Match), at the module's
 * security level. The first match decides 'match' and ends the verification (each live capture costs
 * ~7 s of image upload at 57600 baud); 'no-match' means every finger with a stored template was compared
 * and none matched. A live capture with no usable attempt counts as not matching.
 */
export async function runVerification(i: VerificationInput): Promise<VerificationResult> {
  const comparisons: VerificationComparison[] = [];
  let current: { finger: FingerName; attempt: number } | undefined;
  const unfollow = i.events.followReader(i.reader, () => current);
  try {
    const byFinger = new Map(i.references.map((r) => [r.finger, r]));
    const order = [...i.plan.fingers.filter((f) => byFinger.has(f)), ...[...byFinger.keys()].filter((f) => !i.plan.fingers.includes(f))];
    for (const finger of order) {
      const reference = byFinger.get(finger);
      if (!reference) continue;
      current = { finger, attempt: 1 };
      const live = await capturePlannedFinger(i, finger, (attempt) => {
        current = { finger, attempt };
      });
      if (!live.best) {
        comparisons.push({ finger, quality: 0, match: false, score: 0 });
        i.events.finger({ finger, outcome: 'failed', quality: null, attempts: live.attempts });
        continue;
      }
      await i.keep?.(finger, live);
      const { match, score } = await i.reader.verify(live.best.template, reference.template);
      comparisons.push({ finger, quality: live.best.quality, match, score });
      i.events.finger({ finger, outcome: live.accepted ? 'captured' : 'low-quality', quality: live.best.quality, attempts: live.attempts });
      if (match) return { decision: 'match', comparisons };
    }
    return { decision: 'no-match', comparisons };
  } finally {
    unfollow();
  }
}
