/**
 * EF.CardAccess (ICAO 9303-11 §9.2.1): a DER SET of SecurityInfos. The PACEInfo entries
 * (SEQUENCE { protocol OID, version INTEGER, parameterId INTEGER OPTIONAL }) say which PACE protocols
 * the chip offers and, with a parameterId, which standardized domain parameters (9303-11 Table 6).
 * This reader runs ECDH Generic Mapping with AES on the standardized NIST and Brainpool curves that
 * @noble/curves provides; every other PACEInfo is refused with the reason, and the reader falls back to BAC.
 */
import * as asn1js from 'asn1js';
import { ApplianceError, FirmwareBridgeErrors } from '../errors.ts';

export interface PaceInfo {
  readonly oid: string;
  readonly version: number;
  readonly parameterId: number | null;
}

export type PaceCipher = '3DES' | 'AES-128' | 'AES-192' | 'AES-256';

export interface PaceProtocol {
  readonly oid: string;
  readonly keyAgreement: 'DH' | 'ECDH';
  readonly mapping: 'GM' | 'IM' | 'CAM';
  readonly cipher: PaceCipher;
}

/** id-PACE = bsi-de protocols smartcard 4 (0.4.0.127.0.7.2.2.4), 9303-11 §9.2.3. */
export const ID_PACE = '0.4.0.127.0.7.2.2.4';
const KA_MAPPING: Record<string, Pick<PaceProtocol, 'keyAgreement' | 'mapping'>> = {
  '1': { keyAgreement: 'DH', mapping: 'GM' },
  '2': { keyAgreement: 'ECDH', mapping: 'GM' },
  '3': { keyAgreement: 'DH', mapping: 'IM' },
  '4': { keyAgreement: 'ECDH', mapping: 'IM' },
  '6': { keyAgreement: 'ECDH', mapping: 'CAM' },
};
const CIPHERS: Record<string, PaceCipher> = { '1': '3DES', '2': 'AES-128', '3': 'AES-192', '4': 'AES-256' };

/** The protocol an id-PACE-… OID names; null when the OID is not a PACE protocol. */
export function describePace(oid: string): PaceProtocol | null {
  if (!oid.startsWith(`${ID_PACE}.`)) return null;
  const [ka, cipher, ...rest] = oid.slice(ID_PACE.length + 1).split('.');
  const kam = KA_MAPPING[ka ?? ''];
  const c = CIPHERS[cipher ?? ''];
  if (!kam || !c || rest.length > 0) return null;
  return { oid, ...kam, cipher: c };
}

const malformed = (why: string) => new ApplianceError(FirmwareBridgeErrors.CHIP_DATA_MALFORMED.code, `EF.CardAccess: ${why}`);

/** The PACEInfos of EF.CardAccess (other SecurityInfos are skipped). Throws CHIP_DATA_MALFORMED when it is not a SET of SEQUENCEs. */
export function parseCardAccess(bytes: Uint8Array): PaceInfo[] {
  const parsed = asn1js.fromBER(Uint8Array.from(bytes));
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.Set)) throw malformed('not a DER SET of SecurityInfos');
  const out: PaceInfo[] = [];
  for (const item of parsed.result.valueBlock.value) {
    if (!(item instanceof asn1js.Sequence)) throw malformed('a SecurityInfo is not a SEQUENCE');
    const [oid, version, param] = item.valueBlock.value;
    if (!(oid instanceof asn1js.ObjectIdentifier)) throw malformed('a SecurityInfo does not start with its protocol OID');
    const id = oid.valueBlock.toString();
    // PACEDomainParameterInfo (…4.x with an AlgorithmIdentifier) and the other protocols are not PACEInfos.
    if (!describePace(id)) continue;
    if (!(version instanceof asn1js.Integer)) throw malformed('PACEInfo without a version');
    out.push({ oid: id, version: version.valueBlock.valueDec, parameterId: param instanceof asn1js.Integer ? param.valueBlock.valueDec : null });
  }
  return out;
}
