import type { ApplianceError } from '@lmc/core/errors.ts';
import { type FingerprintErrorCode, fingerprintError } from '../fingerprint/fingerprint-errors.ts';

/**
 * ZFM acknowledge confirmation codes (R307 datasheet "Confirmation code definition"; names as in
 * Adafruit_Fingerprint.h). 00 is success; every other known code maps to a fingerprint-layer coded
 * error with an officer-facing message; unknown codes map to FP_UNKNOWN_CONFIRMATION with the raw
 * code in the context.
 */
export const CONFIRMATION_OK = 0x00;
export const CONFIRMATION_NO_MATCH = 0x08;
export const CONFIRMATION_NO_FINGER = 0x02;

export const confirmationCodes: ReadonlyMap<number, { readonly code: FingerprintErrorCode; readonly meaning: string }> = new Map([
  [0x01, { code: 'FP_PACKET_ERROR', meaning: 'error when receiving packet' }],
  [0x02, { code: 'FP_NO_FINGER', meaning: 'no finger on the sensor' }],
  [0x03, { code: 'FP_ENROL_FAILED', meaning: 'failed to enrol the finger (image capture failed)' }],
  [0x06, { code: 'FP_IMAGE_MESSY', meaning: 'image too messy to generate character file' }],
  [0x07, { code: 'FP_TOO_FEW_FEATURES', meaning: 'too few feature points to generate character file' }],
  [0x08, { code: 'FP_NO_MATCH', meaning: 'finger does not match' }],
  [0x09, { code: 'FP_NOT_FOUND', meaning: 'no matching finger found in the library' }],
  [0x0a, { code: 'FP_MERGE_FAILED', meaning: 'failed to combine character files' }],
  [0x0b, { code: 'FP_ADDRESS_OUT_OF_RANGE', meaning: 'page id beyond the finger library' }],
  [0x0c, { code: 'FP_TEMPLATE_READ_ERROR', meaning: 'error reading template from library or invalid template' }],
  [0x0d, { code: 'FP_TEMPLATE_UPLOAD_ERROR', meaning: 'error when uploading template' }],
  [0x0e, { code: 'FP_RECEIVE_ERROR', meaning: 'module cannot receive the following data packets' }],
  [0x0f, { code: 'FP_IMAGE_UPLOAD_ERROR', meaning: 'error when uploading image' }],
  [0x10, { code: 'FP_DELETE_FAILED', meaning: 'failed to delete the template' }],
  [0x11, { code: 'FP_CLEAR_FAILED', meaning: 'failed to clear the finger library' }],
  [0x13, { code: 'FP_WRONG_PASSWORD', meaning: 'wrong password' }],
  [0x15, { code: 'FP_NO_VALID_IMAGE', meaning: 'no valid primary image in the image buffer' }],
  [0x18, { code: 'FP_FLASH_WRITE_ERROR', meaning: 'error when writing flash' }],
]);

/** Reverse lookup for the simulator's failNext(code). */
export function confirmationForErrorCode(code: FingerprintErrorCode | string): number | undefined {
  for (const [confirmation, entry] of confirmationCodes) if (entry.code === code) return confirmation;
  return undefined;
}

export function confirmationError(confirmation: number, command: string): ApplianceError {
  const entry = confirmationCodes.get(confirmation);
  const hex = `0x${confirmation.toString(16).padStart(2, '0')}`;
  if (!entry) return fingerprintError('FP_UNKNOWN_CONFIRMATION', { command, confirmation: hex }, { detail: `code ${hex} to ${command}` });
  return fingerprintError(entry.code, { command, confirmation: hex, meaning: entry.meaning });
}
