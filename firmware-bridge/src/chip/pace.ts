/**
 * PACE v2, terminal side, ICAO 9303-11 §4.4 with ECDH Generic Mapping (§4.4.3.3.1) and AES
 * (§9.8.7 secure messaging): MSE:Set AT names the protocol, the MRZ password and the domain parameters;
 * four chained GENERAL AUTHENTICATE commands carry
 *   1. the chip's nonce z = E(Kπ, s) (DO'80');
 *   2. the mapping keys (DO'81' / DO'82'): H = SK_map,IFD · PK_map,IC, then G~ = s·G + H;
 *   3. the ephemeral keys on G~ (DO'83' / DO'84') and the shared secret K = x(SK_DH,IFD · PK_DH,IC);
 *   4. the authentication tokens (DO'85' / DO'86'): CMAC(KSmac, 7F49{06 OID, 86 PK}) over the other side's key.
 * The session keys KSenc = KDF(K, 1), KSmac = KDF(K, 2) and a zero 16-byte SSC then protect every command.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as asn1js from 'asn1js';
import { ApplianceError, FirmwareBridgeErrors } from '../errors.ts';
import { type CommandApdu, hexSw, type ResponseApdu } from './apdu.ts';
import type { SessionKeys } from './bac.ts';
import type { BacKeyInput } from './bac-keys.ts';
import type { CardChannel } from './channel.ts';
import { type AesKeyBytes, paceKdf, pacePasswordKey } from './pace-keys.ts';
import { describePace, type PaceInfo, type PaceProtocol } from './pace-info.ts';
import { type EcDomain, type EcPoint, ecDomain } from './pace-params.ts';
import { aesCrypt, cmac8 } from './sm-cipher.ts';
import { encodeTlv, readHeader, splitTlvs } from './tlv.ts';

export interface PaceChoice {
  readonly info: PaceInfo;
  readonly protocol: PaceProtocol;
  readonly domain: EcDomain;
  readonly keyBytes: AesKeyBytes;
}

const KEY_BYTES: Partial<Record<PaceProtocol['cipher'], AesKeyBytes>> = { 'AES-128': 16, 'AES-192': 24, 'AES-256': 32 };

/**
 * The first PACEInfo of EF.CardAccess this reader can run (version 2, ECDH Generic Mapping, AES, a
 * standardized curve of pace-params.ts); else why each one was refused.
 */
export function choosePace(infos: readonly PaceInfo[]): PaceChoice | { refused: string[] } {
  const refused: string[] = [];
  for (const info of infos) {
    const protocol = describePace(info.oid);
    const keyBytes = protocol && KEY_BYTES[protocol.cipher];
    const domain = info.parameterId === null ? null : ecDomain(info.parameterId);
    if (!protocol) refused.push(`${info.oid}: not a PACE protocol`);
    else if (info.version !== 2) refused.push(`${info.oid}: PACE version ${info.version}, not 2`);
    else if (protocol.keyAgreement !== 'ECDH' || protocol.mapping !== 'GM') refused.push(`${info.oid}: ${protocol.keyAgreement} ${protocol.mapping} mapping is not supported (ECDH Generic Mapping only)`);
    else if (!keyBytes) refused.push(`${info.oid}: ${protocol.cipher} secure messaging is not supported (AES only)`);
    else if (!domain) refused.push(`${info.oid}: domain parameters ${info.parameterId ?? '(proprietary)'} are not supported`);
    else return { info, protocol, domain, keyBytes };
  }
  if (infos.length === 0) refused.push('EF.CardAccess lists no PACEInfo');
  return { refused };
}

/** The content bytes of an OID (what DO'80' of MSE:Set AT and DO'06' of the token input carry). */
export function oidBytes(oid: string): Buffer {
  return Buffer.from(new asn1js.ObjectIdentifier({ value: oid }).valueBlock.toBER());
}

/** MSE:Set AT for PACE with the MRZ password (DO'83' = 01) and, when EF.CardAccess names it, the parameter ID (DO'84'). */
export function mseSetAt(info: PaceInfo): CommandApdu {
  const parts = [encodeTlv(0x80, oidBytes(info.oid)), encodeTlv(0x83, Buffer.from([0x01]))];
  if (info.parameterId !== null) parts.push(encodeTlv(0x84, Buffer.from([info.parameterId])));
  return { cla: 0x00, ins: 0x22, p1: 0xc1, p2: 0xa4, data: Buffer.concat(parts) };
}

/** GENERAL AUTHENTICATE with dynamic authentication data 7C{…}; all but the last are chained (CLA 10). */
export function generalAuthenticate(inner: Uint8Array, last: boolean): CommandApdu {
  return { cla: last ? 0x00 : 0x10, ins: 0x86, p1: 0x00, p2: 0x00, data: encodeTlv(0x7c, inner), ne: 256 };
}

const failed = (code: 'CHIP_UNREADABLE' | 'CHIP_ACCESS_DENIED', why: string, sw?: number) =>
  new ApplianceError(FirmwareBridgeErrors[code].code, `PACE: ${why}`, sw === undefined ? {} : { sw: hexSw(sw) });

/** The value of `tag` inside the 7C response of a GENERAL AUTHENTICATE step. */
function dynamicData(res: ResponseApdu, tag: number, step: string): Buffer {
  if (res.sw !== 0x9000) throw failed(step === 'mutual authentication' ? 'CHIP_ACCESS_DENIED' : 'CHIP_UNREADABLE', `${step} refused (${hexSw(res.sw)})`, res.sw);
  const outer = readHeader(res.data);
  const dos = outer?.tag === 0x7c ? splitTlvs(res.data.subarray(outer.headerLength, outer.headerLength + outer.length)) : null;
  const found = dos?.find((d) => d.tag === tag);
  if (!found) throw failed('CHIP_UNREADABLE', `${step}: the answer carries no DO${tag.toString(16).toUpperCase()}`);
  return found.value;
}

export const encodePoint = (p: EcPoint): Buffer => Buffer.from(p.toBytes(false));

/** An uncompressed point of the domain, checked to be on the curve and not the neutral element. */
export function decodePoint(domain: EcDomain, bytes: Uint8Array): EcPoint {
  if (bytes.length !== 1 + 2 * domain.size || bytes[0] !== 0x04) throw failed('CHIP_UNREADABLE', 'the chip sent a public key that is not an uncompressed point');
  try {
    const p = domain.Point.fromBytes(Uint8Array.from(bytes));
    p.assertValidity();
    return p;
  } catch {
    throw failed('CHIP_UNREADABLE', `the chip sent a public key that is not on ${domain.name}`);
  }
}

const toScalar = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex')}`);

/** A private key in [1, n−1] (with 64 extra random bits, so the reduction is unbiased enough). */
export function randomScalar(domain: EcDomain): bigint {
  const n = domain.Point.Fn.ORDER;
  return (toScalar(randomBytes(domain.size + 8)) % (n - 1n)) + 1n;
}

/** Generic Mapping, 9303-11 §4.4.3.3.1: H = SK_map,IFD · PK_map,IC and G~ = s·G + H. */
export function genericMapping(domain: EcDomain, nonce: Uint8Array, skMap: bigint, pkMapIc: EcPoint): { h: EcPoint; mapped: EcPoint } {
  const h = pkMapIc.multiply(skMap);
  const s = toScalar(nonce) % domain.Point.Fn.ORDER;
  const mapped = domain.Point.BASE.multiply(s).add(h);
  if (mapped.is0()) throw failed('CHIP_UNREADABLE', 'the mapped generator is the point at infinity');
  return { h, mapped };
}

/** The x-coordinate of SK · PK as `size` bytes: the ECDH shared secret K (9303-11 §9.6). */
export function sharedSecret(domain: EcDomain, sk: bigint, pk: EcPoint): Buffer {
  const p = pk.multiply(sk);
  return Buffer.from(p.toAffine().x.toString(16).padStart(2 * domain.size, '0'), 'hex');
}

/** Authentication token T = MAC(KSmac, 7F49{06 OID, 86 PK}) over the other party's ephemeral public key (9303-11 §4.4.3.4, §9.4.3). */
export function authToken(ksMac: Uint8Array, oid: string, publicKey: Uint8Array): Buffer {
  const pk = encodeTlv(0x7f49, Buffer.concat([encodeTlv(0x06, oidBytes(oid)), encodeTlv(0x86, publicKey)]));
  return cmac8(ksMac, pk);
}

export interface PaceEphemeralKeys {
  /** SK_map,IFD (Appendix G fixes it for the worked example). */
  readonly mapping?: bigint;
  /** SK_DH,IFD. */
  readonly agreement?: bigint;
}

/** Runs PACE on the chip (the MF selected); resolves with the AES session keys, or throws CHIP_ACCESS_DENIED / CHIP_UNREADABLE. */
export async function runPace(ch: CardChannel, input: BacKeyInput, choice: PaceChoice, keys: PaceEphemeralKeys = {}): Promise<SessionKeys> {
  const { domain, info } = choice;
  const mse = await ch.send(mseSetAt(info));
  if (mse.sw !== 0x9000) throw failed('CHIP_UNREADABLE', `MSE:Set AT refused (${hexSw(mse.sw)})`, mse.sw);

  const z = dynamicData(await ch.send(generalAuthenticate(Buffer.alloc(0), false)), 0x80, 'encrypted nonce');
  if (z.length === 0 || z.length % 16 !== 0) throw failed('CHIP_UNREADABLE', 'the encrypted nonce is not whole AES blocks');
  const kPi = pacePasswordKey(input, choice.keyBytes);
  const s = aesCrypt(true, kPi, z, Buffer.alloc(16));

  const skMap = keys.mapping ?? randomScalar(domain);
  const pkMapIfd = domain.Point.BASE.multiply(skMap);
  const pkMapIcBytes = dynamicData(await ch.send(generalAuthenticate(encodeTlv(0x81, encodePoint(pkMapIfd)), false)), 0x82, 'mapping');
  const pkMapIc = decodePoint(domain, pkMapIcBytes);
  if (pkMapIc.equals(pkMapIfd)) throw failed('CHIP_UNREADABLE', 'the chip echoed the mapping key');
  const { mapped } = genericMapping(domain, s, skMap, pkMapIc);

  const skDh = keys.agreement ?? randomScalar(domain);
  const pkDhIfd = encodePoint(mapped.multiply(skDh));
  const pkDhIcBytes = dynamicData(await ch.send(generalAuthenticate(encodeTlv(0x83, pkDhIfd), false)), 0x84, 'key agreement');
  const pkDhIc = decodePoint(domain, pkDhIcBytes);
  // 9303-11 §4.4.3.4: the terminal checks that the chip's ephemeral key differs from its own.
  if (Buffer.from(pkDhIcBytes).equals(pkDhIfd)) throw failed('CHIP_UNREADABLE', 'the chip echoed the ephemeral key');
  const k = sharedSecret(domain, skDh, pkDhIc);
  const ksEnc = paceKdf(k, 1, choice.keyBytes);
  const ksMac = paceKdf(k, 2, choice.keyBytes);

  const tIfd = authToken(ksMac, info.oid, pkDhIcBytes);
  const tIc = dynamicData(await ch.send(generalAuthenticate(encodeTlv(0x85, tIfd), true)), 0x86, 'mutual authentication');
  const expected = authToken(ksMac, info.oid, pkDhIfd);
  if (tIc.length !== 8 || !timingSafeEqual(tIc, expected)) throw failed('CHIP_ACCESS_DENIED', "the chip's authentication token does not verify");
  return { ksEnc, ksMac, ssc: Buffer.alloc(16), cipher: 'aes' };
}
