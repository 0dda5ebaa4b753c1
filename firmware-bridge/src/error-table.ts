import { type CodeOf, mergeErrors } from '@lmc/core/errors.ts';
import { ChipErrors } from './chip/chip-errors.ts';
import type { FirmwareBridgeErrorCode } from './errors.ts';
import { EscPosErrors } from './escpos/escpos-errors.ts';
import { FingerprintErrors } from './fingerprint/fingerprint-errors.ts';
import { MrzErrors } from './mrz/mrz-errors.ts';
import { DeviceErrors } from './transport/device-errors.ts';

/** Every code of the firmware bridge with its declaration (status, UI message key). Merging throws on a code declared twice. */
export const FirmwareBridgeErrors = mergeErrors(DeviceErrors, MrzErrors, FingerprintErrors, EscPosErrors, ChipErrors);

// The merged table and the closed union are the same set (a compile-time check).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const complete: Same<CodeOf<typeof FirmwareBridgeErrors>, FirmwareBridgeErrorCode> = true;
void complete;
