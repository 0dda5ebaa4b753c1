/**
 * ICAO 9303-11 Appendix G.1 (PACE, ECDH Generic Mapping on brainpoolP256r1, AES-128), byte for byte:
 * the values are in pace-g1.vectors.ts (where they come from is said there).
 */
import { describe, expect, it } from 'vitest';
import { type ApduTransport, CardChannel } from './channel.ts';
import { paceKdf, pacePasswordKey, mrzPasswordSecret } from './pace-keys.ts';
import { authToken, choosePace, decodePoint, encodePoint, genericMapping, mseSetAt, type PaceChoice, runPace, sharedSecret } from './pace.ts';
import { describePace, parseCardAccess } from './pace-info.ts';
import { ecDomain } from './pace-params.ts';
import { G1 } from './pace-g1.vectors.ts';
import { aesCrypt } from './sm-cipher.ts';

const h = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');
const X = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();


/** The G.1 exchange as APDUs (MSE:Set AT with the parameter ID, as EF.CardAccess names it). */
const TRANSCRIPT: [string, string][] = [
  ['0022C1A412800A04007F0007020204020283010184010D', '9000'],
  ['10860000027C0000', `7C128010${G1.z}9000`],
  [`10860000457C438141${G1.pkMapIfd}00`, `7C438241${G1.pkMapIc}9000`],
  [`10860000457C438341${G1.pkDhIfd}00`, `7C438441${G1.pkDhIc}9000`],
  [`008600000C7C0A8508${G1.tIfd}00`, `7C0A8608${G1.tIc}9000`],
];

class Scripted implements ApduTransport {
  at = 0;
  constructor(private readonly script: [string, string][]) {}
  async transmit(apdu: Buffer): Promise<Buffer> {
    const step = this.script[this.at++];
    if (!step) throw new Error(`unexpected APDU ${X(apdu)}`);
    expect(X(apdu)).toBe(step[0]);
    return h(step[1]);
  }
}

const bp256 = ecDomain(13);
if (!bp256) throw new Error('brainpoolP256r1 missing');
const big = (s: string) => BigInt(`0x${s}`);

function g1Choice(): PaceChoice {
  const c = choosePace(parseCardAccess(h(G1.cardAccess)));
  if ('refused' in c) throw new Error(c.refused.join('; '));
  return c;
}

describe('ICAO 9303-11 G.1 — PACE ECDH GM brainpoolP256r1 AES-128', () => {
  it('EF.CardAccess: one PACEInfo, id-PACE-ECDH-GM-AES-CBC-CMAC-128, version 2, parameter 13', () => {
    expect(parseCardAccess(h(G1.cardAccess))).toEqual([{ oid: G1.oid, version: 2, parameterId: 13 }]);
    const c = g1Choice();
    expect([c.protocol.keyAgreement, c.protocol.mapping, c.protocol.cipher, c.domain.name, c.keyBytes]).toEqual(['ECDH', 'GM', 'AES-128', 'brainpoolP256r1', 16]);
    expect(X(Buffer.from(mseSetAt(c.info).data ?? []))).toBe('800A04007F0007020204020283010184010D');
  });

  it('K = SHA-1(MRZ information), Kπ = KDF(K, 3), s = D(Kπ, z)', () => {
    expect(X(mrzPasswordSecret(G1.mrz))).toBe(G1.k);
    expect(X(pacePasswordKey(G1.mrz, 16))).toBe(G1.kPi);
    expect(X(aesCrypt(true, h(G1.kPi), h(G1.z), Buffer.alloc(16)))).toBe(G1.s);
  });

  it('mapping: PK_map,IFD, H and the mapped generator G~ = s·G + H', () => {
    const pkMapIfd = bp256.Point.BASE.multiply(big(G1.skMapIfd));
    expect(X(encodePoint(pkMapIfd))).toBe(G1.pkMapIfd);
    const { h: hPoint, mapped } = genericMapping(bp256, h(G1.s), big(G1.skMapIfd), decodePoint(bp256, h(G1.pkMapIc)));
    expect(X(encodePoint(hPoint))).toBe(G1.h);
    expect(X(encodePoint(mapped))).toBe(G1.mapped);
  });

  it('key agreement, session keys and authentication tokens', () => {
    const mapped = decodePoint(bp256, h(G1.mapped));
    expect(X(encodePoint(mapped.multiply(big(G1.skDhIfd))))).toBe(G1.pkDhIfd);
    const k = sharedSecret(bp256, big(G1.skDhIfd), decodePoint(bp256, h(G1.pkDhIc)));
    expect(X(k)).toBe(G1.sharedK);
    expect(X(paceKdf(k, 1, 16))).toBe(G1.ksEnc);
    expect(X(paceKdf(k, 2, 16))).toBe(G1.ksMac);
    expect(X(authToken(h(G1.ksMac), G1.oid, h(G1.pkDhIc)))).toBe(G1.tIfd);
    expect(X(authToken(h(G1.ksMac), G1.oid, h(G1.pkDhIfd)))).toBe(G1.tIc);
  });

  it('the whole exchange: every command APDU byte for byte, the session keys, SSC 0', async () => {
    const t = new Scripted(TRANSCRIPT);
    const keys = await runPace(new CardChannel(t), G1.mrz, g1Choice(), { mapping: big(G1.skMapIfd), agreement: big(G1.skDhIfd) });
    expect(t.at).toBe(TRANSCRIPT.length);
    expect([X(keys.ksEnc), X(keys.ksMac), X(keys.ssc), keys.cipher]).toEqual([G1.ksEnc, G1.ksMac, '0'.repeat(32), 'aes']);
  });

  it("a chip token that does not verify is CHIP_ACCESS_DENIED; a refused T_IFD (6300) too", async () => {
    const bad = TRANSCRIPT.map((s) => [...s] as [string, string]);
    (bad[4] as [string, string])[1] = '7C0A86083ABB9674BCE93C099000';
    const run = (script: [string, string][]) =>
      runPace(new CardChannel(new Scripted(script)), G1.mrz, g1Choice(), { mapping: big(G1.skMapIfd), agreement: big(G1.skDhIfd) });
    await expect(run(bad)).rejects.toMatchObject({ code: 'CHIP_ACCESS_DENIED' });
    (bad[4] as [string, string])[1] = '6300';
    await expect(run(bad)).rejects.toMatchObject({ code: 'CHIP_ACCESS_DENIED' });
  });

  it('refuses a chip mapping key that is not on the curve', async () => {
    const off = TRANSCRIPT.slice(0, 3).map((s) => [...s] as [string, string]);
    (off[2] as [string, string])[1] = `7C438241${G1.pkMapIc.slice(0, -2)}559000`;
    const run = runPace(new CardChannel(new Scripted(off)), G1.mrz, g1Choice(), { mapping: big(G1.skMapIfd) });
    await expect(run).rejects.toMatchObject({ code: 'CHIP_UNREADABLE' });
  });
});

describe('choosing a PACE protocol from EF.CardAccess', () => {
  it('names each protocol family by its OID', () => {
    expect(describePace('0.4.0.127.0.7.2.2.4.1.2')).toMatchObject({ keyAgreement: 'DH', mapping: 'GM', cipher: 'AES-128' });
    expect(describePace('0.4.0.127.0.7.2.2.4.4.4')).toMatchObject({ keyAgreement: 'ECDH', mapping: 'IM', cipher: 'AES-256' });
    expect(describePace('0.4.0.127.0.7.2.2.3.2.1')).toBeNull();
  });

  it('refuses DH, Integrated Mapping, 3DES and unsupported curves with the reason; takes the first it can run', () => {
    const infos = [
      { oid: '0.4.0.127.0.7.2.2.4.1.2', version: 2, parameterId: 0 },
      { oid: '0.4.0.127.0.7.2.2.4.4.2', version: 2, parameterId: 13 },
      { oid: '0.4.0.127.0.7.2.2.4.2.1', version: 2, parameterId: 13 },
      { oid: '0.4.0.127.0.7.2.2.4.2.2', version: 2, parameterId: 14 },
      { oid: '0.4.0.127.0.7.2.2.4.2.2', version: 1, parameterId: 13 },
    ];
    const r = choosePace(infos);
    expect('refused' in r && r.refused).toEqual([
      expect.stringContaining('DH GM mapping is not supported'),
      expect.stringContaining('ECDH IM mapping is not supported'),
      expect.stringContaining('3DES secure messaging is not supported'),
      expect.stringContaining('domain parameters 14 are not supported'),
      expect.stringContaining('PACE version 1'),
    ]);
    const ok = choosePace([...infos, { oid: '0.4.0.127.0.7.2.2.4.2.4', version: 2, parameterId: 12 }]);
    expect('refused' in ok ? ok.refused : [ok.domain.name, ok.keyBytes]).toEqual(['NIST P-256 (secp256r1)', 32]);
  });

  it('EF.CardAccess that is not a SET of SecurityInfos is CHIP_DATA_MALFORMED', () => {
    expect(() => parseCardAccess(h('3003020101'))).toThrow(expect.objectContaining({ code: 'CHIP_DATA_MALFORMED' }));
  });
});
