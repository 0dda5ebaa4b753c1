/**
 * Codes of the enrolment feature and their HTTP status codes. central/src/errors.ts maps the
 * receiver's own codes; the enrolment plugin maps these in its encapsulated error handler and hands
 * everything else to toHttpError, so clients still see one vocabulary.
 */
import { ApplianceError } from '@lmc/core/errors.ts';

export const EnrolmentErrorCodes = {
  OfficeUnknown: 'OFFICE_UNKNOWN',
  /** The code does not exist, was already used, or expired: one answer for all three (no oracle). */
  CodeInvalid: 'ENROLMENT_CODE_INVALID',
  /** The signature does not prove possession of the presented key. */
  ProofInvalid: 'ENROLMENT_PROOF_INVALID',
  /** The public key is not an Ed25519 SPKI PEM. */
  KeyInvalid: 'ENROLMENT_KEY_INVALID',
  /** The device id is already enrolled with another, unrevoked key. */
  DeviceExists: 'ENROLMENT_DEVICE_EXISTS',
  /** The identity to replace or decommission is not enrolled (or already revoked). */
  DeviceNotEnrolled: 'ENROLMENT_DEVICE_NOT_ENROLLED',
  /** A decommission request outside the replay window. */
  RequestExpired: 'ENROLMENT_REQUEST_EXPIRED',
} as const;

export type EnrolmentErrorCode = (typeof EnrolmentErrorCodes)[keyof typeof EnrolmentErrorCodes];

export const ENROLMENT_STATUS: Readonly<Record<EnrolmentErrorCode, number>> = {
  OFFICE_UNKNOWN: 404,
  ENROLMENT_CODE_INVALID: 403,
  ENROLMENT_PROOF_INVALID: 401,
  ENROLMENT_KEY_INVALID: 400,
  ENROLMENT_DEVICE_EXISTS: 409,
  ENROLMENT_DEVICE_NOT_ENROLLED: 404,
  ENROLMENT_REQUEST_EXPIRED: 401,
};

export function enrolmentError(code: EnrolmentErrorCode, message: string, context: Record<string, unknown> = {}): ApplianceError {
  return new ApplianceError(code, message, context);
}
