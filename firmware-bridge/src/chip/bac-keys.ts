/**
 * Document Basic Access Keys, ICAO 9303-11 §4.3.2 / §9.7.2: K_seed = first 16 bytes of
 * SHA-1(MRZ_information), where MRZ_information = document number ‖ check digit ‖ birth date ‖
 * check digit ‖ expiry date ‖ check digit, each as printed in the MRZ (fillers `<` kept).
 */
import { createHash } from 'node:crypto';
import { ApplianceError, FirmwareBridgeErrors } from '../errors.ts';
import { computeCheckDigit } from '../mrz/check-digit.ts';
import { deriveDesKey } from './des.ts';

export interface BacKeyInput {
  /** As printed: at least 9 characters with `<` fillers (shorter is padded with `<`). */
  readonly documentNumber: string;
  /** YYMMDD as printed in the MRZ. */
  readonly birthDate: string;
  /** YYMMDD as printed in the MRZ. */
  readonly expiryDate: string;
}

export interface BacKeys {
  readonly kEnc: Buffer;
  readonly kMac: Buffer;
}

const YYMMDD = /^\d{6}$/;
const DOC_NUMBER = /^[A-Z0-9<]{1,}$/;

/**
 * The MRZ information string. A TD1 document number longer than 9 characters is written in full
 * here (9303-11 §4.3.2 uses the whole number; the optional-data overflow is the MRZ's concern).
 */
export function mrzInformation(input: BacKeyInput): string {
  const doc = input.documentNumber.toUpperCase().padEnd(9, '<');
  if (!DOC_NUMBER.test(doc) || !YYMMDD.test(input.birthDate) || !YYMMDD.test(input.expiryDate)) {
    throw new ApplianceError(FirmwareBridgeErrors.CHIP_MRZ_UNUSABLE.code, 'document number, birth date and expiry date are needed for BAC');
  }
  const field = (s: string) => `${s}${computeCheckDigit(s)}`;
  return field(doc) + field(input.birthDate) + field(input.expiryDate);
}

export function keySeed(info: string): Buffer {
  return createHash('sha1').update(info, 'latin1').digest().subarray(0, 16);
}

/** K_enc and K_mac from a key seed (the same KDF gives the session keys from K_IFD ⊕ K_IC). */
export function deriveKeys(seed: Uint8Array): BacKeys {
  return { kEnc: deriveDesKey(seed, 1), kMac: deriveDesKey(seed, 2) };
}

export function bacKeys(input: BacKeyInput): BacKeys {
  return deriveKeys(keySeed(mrzInformation(input)));
}
