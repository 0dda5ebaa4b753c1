/**
 * The firmware bridge's closed set of error codes: the union of its layers' declarations
 * (transport/device-errors.ts, mrz/mrz-errors.ts, fingerprint/fingerprint-errors.ts,
 * escpos/escpos-errors.ts). Code of this package constructs ApplianceError through this module, so a
 * code that no layer declares does not compile. The merged table is error-table.ts.
 *
 * Type-only imports of the layers: they import this module, and must not be evaluated through it.
 */
import { ApplianceError as CodedError, type CodedErrorClass, type CodedErrorGuard, isApplianceError as isCoded } from '@lmc/core/errors.ts';
import type { ChipErrors } from './chip/chip-errors.ts';
import type { EscPosErrors } from './escpos/escpos-errors.ts';
import type { FingerprintErrors } from './fingerprint/fingerprint-errors.ts';
import type { MrzErrors } from './mrz/mrz-errors.ts';
import type { DeviceErrors } from './transport/device-errors.ts';

export type FirmwareBridgeErrorCode = keyof typeof DeviceErrors | keyof typeof MrzErrors | keyof typeof FingerprintErrors | keyof typeof EscPosErrors | keyof typeof ChipErrors;

export type ApplianceError = CodedError<FirmwareBridgeErrorCode>;
export const ApplianceError: CodedErrorClass<FirmwareBridgeErrorCode> = CodedError;
export const isApplianceError = isCoded as CodedErrorGuard<FirmwareBridgeErrorCode>;
