import { ApplianceError, type FirmwareBridgeErrorCode } from '../errors.ts';

/**
 * The codes of the fingerprint layer (declared in ../errors.ts), shared by every reader family (ZFM/R30x today, a USB
 * reader later). Codes are the identity; messages are written for the officer at the desk.
 */
export type FingerprintErrorCode = Extract<FirmwareBridgeErrorCode, `FP_${string}` | 'DEVICE_BUSY' | 'DEVICE_NOT_CONNECTED'>;

/** Officer-facing text per code; one place so the UI and logs say the same thing. */
export const fingerprintErrorMessages: Record<FingerprintErrorCode, string> = {
  FP_NO_FINGER: 'No finger on the sensor. Ask the person to place the finger flat on the glass.',
  FP_ENROL_FAILED: 'The reader could not take a fingerprint image. Wipe the glass and ask the person to press again.',
  FP_IMAGE_MESSY: 'The fingerprint image is smudged. Wipe the glass and the finger, then capture again.',
  FP_TOO_FEW_FEATURES: 'Too little of the fingerprint was captured. Ask the person to press the finger flat and centred.',
  FP_NO_VALID_IMAGE: 'The reader holds no usable image. Capture the finger again.',
  FP_FINGER_TIMEOUT: 'No finger was placed on the sensor in time.',
  FP_LIFT_TIMEOUT: 'The finger was not lifted from the sensor in time.',
  FP_ABORTED: 'The fingerprint operation was cancelled.',
  FP_NO_MATCH: 'The fingerprints do not match.',
  FP_NOT_FOUND: 'The fingerprint is not in the reader library.',
  FP_MERGE_FAILED: 'The two captures of this finger do not agree. Capture the finger again.',
  FP_ADDRESS_OUT_OF_RANGE: 'The reader library location is out of range.',
  FP_TEMPLATE_READ_ERROR: 'The reader could not read a stored template.',
  FP_DELETE_FAILED: 'The reader could not delete the template.',
  FP_CLEAR_FAILED: 'The reader could not clear its library.',
  FP_FLASH_WRITE_ERROR: 'The reader could not write to its memory. Call a technician.',
  FP_PACKET_ERROR: 'The reader reported a communication error. Try again; if it persists, check the cable.',
  FP_TEMPLATE_UPLOAD_ERROR: 'The reader could not send the fingerprint template. Try again.',
  FP_RECEIVE_ERROR: 'The reader could not receive data from the computer. Try again; if it persists, check the cable.',
  FP_IMAGE_UPLOAD_ERROR: 'The reader could not send the fingerprint image. Try again.',
  FP_WRONG_PASSWORD: 'The fingerprint reader refused the configured password. Call a technician.',
  FP_UNKNOWN_CONFIRMATION: 'The fingerprint reader gave an unexpected answer. Try again; if it persists, call a technician.',
  FP_ACK_TIMEOUT: 'The fingerprint reader did not answer. Check that it is connected.',
  FP_BAD_RESPONSE: 'The fingerprint reader sent a malformed answer. Try again; if it persists, call a technician.',
  FP_IMAGE_TRANSFER: 'The fingerprint image was damaged on the way from the reader. Capture the finger again.',
  FP_TEMPLATE_TRANSFER: 'The fingerprint template was damaged on the way from the reader. Capture the finger again.',
  FP_TEMPLATE_INVALID: 'The fingerprint template is not valid for this reader.',
  FP_IMAGE_INVALID: 'The fingerprint image is not valid.',
  FP_NOT_OPEN: 'The fingerprint reader is not open.',
  DEVICE_BUSY: 'The fingerprint reader is busy with another operation.',
  DEVICE_NOT_CONNECTED: 'The fingerprint reader is not connected.',
};

export function fingerprintError(
  code: FingerprintErrorCode,
  context: Record<string, unknown> = {},
  options?: { cause?: unknown; detail?: string },
): ApplianceError {
  // The officer's text is the code's alone; the internal reason (ack-timeout, data-corrupt …) is context for logs.
  const ctx = options?.detail && context.reason === undefined ? { ...context, reason: options.detail } : context;
  return new ApplianceError(code, fingerprintErrorMessages[code], ctx, options?.cause === undefined ? undefined : { cause: options.cause });
}
