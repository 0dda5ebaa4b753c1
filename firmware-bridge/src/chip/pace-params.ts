/**
 * Standardized domain parameters of PACE (ICAO 9303-11 §9.5.1, Table 6) that this reader runs, as
 * @noble/curves points: node:crypto has the curves for ECDH but no point addition, which the Generic
 * Mapping (G~ = s·G + H) needs. IDs 8–11 (192/224-bit curves, deprecated) and 14 (brainpoolP320r1, not in
 * @noble/curves) are refused, as are the DH groups 0–2.
 */
import { brainpoolP256r1, brainpoolP384r1, brainpoolP512r1 } from '@noble/curves/misc.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';

export type EcPointCons = typeof p256.Point;
export type EcPoint = InstanceType<EcPointCons>;

export interface EcDomain {
  readonly parameterId: number;
  readonly name: string;
  readonly Point: EcPointCons;
  /** Bytes of a field element (the x-coordinate shared secret, each half of an uncompressed point). */
  readonly size: number;
}

const DOMAINS: Record<number, Omit<EcDomain, 'parameterId'>> = {
  12: { name: 'NIST P-256 (secp256r1)', Point: p256.Point, size: 32 },
  13: { name: 'brainpoolP256r1', Point: brainpoolP256r1.Point, size: 32 },
  15: { name: 'NIST P-384 (secp384r1)', Point: p384.Point, size: 48 },
  16: { name: 'brainpoolP384r1', Point: brainpoolP384r1.Point, size: 48 },
  17: { name: 'brainpoolP512r1', Point: brainpoolP512r1.Point, size: 64 },
  18: { name: 'NIST P-521 (secp521r1)', Point: p521.Point, size: 66 },
};

export const SUPPORTED_PARAMETER_IDS: readonly number[] = Object.keys(DOMAINS).map(Number);

export function ecDomain(parameterId: number): EcDomain | null {
  const d = DOMAINS[parameterId];
  return d ? { parameterId, ...d } : null;
}
