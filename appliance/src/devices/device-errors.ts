import { declareErrors } from '@lmc/core/errors.ts';

/** Codes of the appliance's device features (MRZ reader, printer and fingerprint simulators), declared once with their HTTP status. */
export const DeviceFeatureErrors = declareErrors({
  /** A scan id that the scan cache no longer holds. */
  SCAN_NOT_FOUND: { status: 404, messageKey: 'error.SCAN_NOT_FOUND' },
  /** A simulator route on an appliance with the real device. */
  NOT_SIMULATED: { status: 409 },
});

export const DeviceFeatureCodes = {
  ScanNotFound: DeviceFeatureErrors.SCAN_NOT_FOUND.code,
  NotSimulated: DeviceFeatureErrors.NOT_SIMULATED.code,
} as const;
