/**
 * Coded errors for every layer (zwave-js ZWaveError style). Code is the identity;
 * the message is for people. Context must never carry biometric data or keys.
 */
export const ErrorCodes = {
  // transport
  TransportOpenFailed: 'TRANSPORT_OPEN_FAILED',
  TransportClosed: 'TRANSPORT_CLOSED',
  TransportWriteFailed: 'TRANSPORT_WRITE_FAILED',
  HidUnavailable: 'HID_UNAVAILABLE',
  PtyUnavailable: 'PTY_UNAVAILABLE',
  // protocol
  FrameInvalid: 'FRAME_INVALID',
  ChecksumMismatch: 'CHECKSUM_MISMATCH',
  ResponseTimeout: 'RESPONSE_TIMEOUT',
  // MRZ
  MrzUnrecognisedFormat: 'MRZ_UNRECOGNISED_FORMAT',
  MrzInvalidCharacters: 'MRZ_INVALID_CHARACTERS',
  // device
  DeviceNotConnected: 'DEVICE_NOT_CONNECTED',
  DeviceBusy: 'DEVICE_BUSY',
  // config
  ConfigInvalid: 'CONFIG_INVALID',
  // store
  StoreDiskFull: 'STORE_DISK_FULL',
  StoreConflict: 'STORE_CONFLICT',
  NotFound: 'NOT_FOUND',
  InvalidState: 'INVALID_STATE',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes] | (string & {});

export class ApplianceError extends Error {
  override readonly name = 'ApplianceError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly context: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isApplianceError(err: unknown, code?: ErrorCode): err is ApplianceError {
  return err instanceof ApplianceError && (code === undefined || err.code === code);
}
