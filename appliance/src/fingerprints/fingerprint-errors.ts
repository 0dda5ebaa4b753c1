import { ApplianceError } from '@lmc/core/errors.ts';

/** Codes of the appliance's fingerprint workflows (device codes are the FP_* of firmware-bridge/src/fingerprint). */
export const FingerprintWorkflowCodes = {
  /** Verification asked for, but no earlier registration of this document holds comparable templates. */
  NoReference: 'FP_NO_REFERENCE',
  /** Cancel asked for, but nothing runs for this registration. */
  NotRunning: 'FP_NOT_RUNNING',
  /** A finger that is not in this office's capture plan. */
  NotInPlan: 'FP_NOT_IN_PLAN',
  /** The simulator routes on an appliance with a real reader. */
  NotSimulated: 'NOT_SIMULATED',
} as const;

/** Status per code, merged into http/error-handler.ts by the routes plugin (see fingerprint-routes.ts). */
export const FINGERPRINT_STATUS_BY_CODE: Readonly<Record<string, number>> = {
  FP_NO_REFERENCE: 404,
  FP_NOT_RUNNING: 409,
  FP_NOT_IN_PLAN: 400,
  // The person did not place or lift the finger in time: a state of the desk, not a server fault.
  // (Not 408: browsers may silently repeat a request answered with 408.)
  FP_FINGER_TIMEOUT: 409,
  FP_LIFT_TIMEOUT: 409,
  FP_ABORTED: 409,
};

export function workflowError(code: string, message: string, context: Record<string, unknown> = {}): ApplianceError {
  return new ApplianceError(code, message, context);
}
