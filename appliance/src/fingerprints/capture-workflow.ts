import type { FingerprintReader } from '@lmc/firmware-bridge/fingerprint/fingerprint-reader.ts';
import type { CapturePlan } from './fingerprint-config.ts';
import { capturePlannedFinger } from './finger-capture.ts';
import type { FingerName } from './fingers.ts';
import type { TemplateVault } from './template-vault.ts';
import type { WorkflowEvents } from './workflow-events.ts';
import { encodeFingerprintPng } from '../workers/cpu-jobs.ts';

export interface CaptureWorkflowInput {
  reader: FingerprintReader;
  plan: CapturePlan;
  fingers: readonly FingerName[];
  registrationId: string;
  actor: string;
  signal: AbortSignal;
  vault: Pick<TemplateVault, 'saveCapture'>;
  events: WorkflowEvents;
  /** Called as each finger is done (the service keeps the running status for GET). */
  onFingerDone?: (entry: CapturedFinger) => void;
}

export interface CapturedFinger {
  finger: FingerName;
  outcome: 'captured' | 'low-quality' | 'failed';
  quality: number | null;
  attempts: number;
}

/**
 * The registration's capture plan, finger by finger. Each finger's best attempt is stored at once
 * (encrypted) so a cancel or a pulled cable half-way keeps what was already done. A finger whose best
 * attempt stays below the plan's minimum is stored as captured, flagged low-quality: the officer may
 * capture it again or record an exception. A finger with no usable attempt stores nothing; it needs a
 * new capture or a supervisor-approved exception (reason 'unreadable').
 *
 * Throws (ending the workflow) on timeouts, cancel and device faults; fingers done until then stay.
 */
export async function runCaptureWorkflow(i: CaptureWorkflowInput): Promise<CapturedFinger[]> {
  const done: CapturedFinger[] = [];
  let current: { finger: FingerName; attempt: number } | undefined;
  const unfollow = i.events.followReader(i.reader, () => current);
  try {
    for (const finger of i.fingers) {
      current = { finger, attempt: 1 };
      const result = await capturePlannedFinger(i, finger, (attempt) => {
        current = { finger, attempt };
      });
      const { best } = result;
      const outcome: CapturedFinger['outcome'] = !best ? 'failed' : result.accepted ? 'captured' : 'low-quality';
      if (best) {
        // PNG encoding runs in the CPU pool, off the event loop.
        const imagePng = i.plan.storeImages ? await encodeFingerprintPng(best.image) : undefined;
        i.vault.saveCapture({
          registrationId: i.registrationId,
          finger,
          quality: best.quality,
          attempts: result.attempts,
          templateFormat: i.reader.info().templateFormat,
          template: best.template,
          ...(imagePng ? { imagePng } : {}),
          actor: i.actor,
        });
      }
      const entry = { finger, outcome, quality: best?.quality ?? null, attempts: result.attempts };
      done.push(entry);
      i.onFingerDone?.(entry);
      i.events.finger(entry);
    }
    return done;
  } finally {
    unfollow();
  }
}
