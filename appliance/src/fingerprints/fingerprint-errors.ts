import { declareErrors } from '@lmc/core/errors.ts';
import { ApplianceError } from '../errors.ts';

/**
 * Codes of the appliance's fingerprint workflows, declared once with their HTTP status (device codes are
 * the FP_* of firmware-bridge/src/fingerprint, declared there).
 */
export const FingerprintWorkflowErrors = declareErrors({
  /** Verification asked for, but no earlier registration of this document holds comparable templates. */
  FP_NO_REFERENCE: { status: 404, messageKey: 'error.FP_NO_REFERENCE' },
  /** Cancel asked for, but nothing runs for this registration. */
  FP_NOT_RUNNING: { status: 409 },
  /** A finger that is not in this office's capture plan. */
  FP_NOT_IN_PLAN: { status: 400 },
});

export type FingerprintWorkflowCode = keyof typeof FingerprintWorkflowErrors;

export const FingerprintWorkflowCodes = {
  NoReference: FingerprintWorkflowErrors.FP_NO_REFERENCE.code,
  NotRunning: FingerprintWorkflowErrors.FP_NOT_RUNNING.code,
  NotInPlan: FingerprintWorkflowErrors.FP_NOT_IN_PLAN.code,
} as const;

export function workflowError(code: FingerprintWorkflowCode, message: string, context: Record<string, unknown> = {}): ApplianceError {
  return new ApplianceError(code, message, context);
}
