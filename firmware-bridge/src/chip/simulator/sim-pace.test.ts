/**
 * The simulator's chip side of PACE against ICAO 9303-11 Appendix G.1 (the same values as the reader's
 * pace.test.ts, with the chip's private keys of the example), and its AES-CMAC against RFC 4493 §4.
 */
import { describe, expect, it } from 'vitest';
import { G1 } from '../pace-g1.vectors.ts';
import { aesCmac, aesKdf, cbcDecrypt } from './sim-aes.ts';
import { SimulatedChip } from './sim-card.ts';
import { mrzDigest } from './sim-crypto.ts';
import { buildCardAccess, oidContent } from './sim-pace.ts';

const h = (s: string) => Buffer.from(s, 'hex');
const X = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

describe('simulated chip AES — RFC 4493 §4 AES-CMAC examples', () => {
  const key = h('2b7e151628aed2a6abf7158809cf4f3c');
  const msg = h('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710');
  it.each([
    [0, 'BB1D6929E95937287FA37D129B756746'],
    [16, '070A16B46B4D4144F79BDD9DD04A287C'],
    [40, 'DFA66747DE9AE63030CA32611497C827'],
    [64, '51F0BEBF7E3B9D92FC49741779363CFE'],
  ])('%i-byte message', (len, tag) => {
    expect(X(aesCmac(key, msg.subarray(0, len)))).toBe(tag);
  });
});

describe('simulated chip PACE — ICAO 9303-11 G.1', () => {
  it('EF.CardAccess, f(π), Kπ and the encrypted nonce', () => {
    expect(X(buildCardAccess([{ oid: G1.oid, parameterId: 13 }]))).toBe(G1.cardAccess);
    expect(X(oidContent(G1.oid))).toBe('04007F00070202040202');
    expect(X(mrzDigest('T22000129', '640812', '101031'))).toBe(G1.k);
    expect(X(aesKdf(h(G1.k), 3, 16))).toBe(G1.kPi);
    expect(X(cbcDecrypt(h(G1.kPi), Buffer.alloc(16), h(G1.z)))).toBe(G1.s);
  });

  it("answers the terminal's G.1 commands with the chip's G.1 answers, then speaks AES secure messaging", () => {
    const cardAccess = buildCardAccess([{ oid: G1.oid, parameterId: 13 }]);
    const chip = new SimulatedChip(
      { files: new Map([[0x011e, h('6003010203')]]), access: null, pace: { oid: G1.oid, parameterId: 13, password: h(G1.k), cardAccess } },
      {},
      { nonce: h(G1.s), mapKey: BigInt(`0x${G1.skMapIc}`), dhKey: BigInt(`0x${G1.skDhIc}`) },
    );
    const ask = (apdu: string) => X(chip.process(h(apdu)));
    expect(ask('00B09C0000')).toBe(`${G1.cardAccess}6282`); // end of file before Le 256
    expect(ask('00A4040C07A0000002471001')).toBe('9000');
    expect(ask('00A4020C02011E')).toBe('6982');
    expect(ask('0022C1A412800A04007F0007020204020283010184010D')).toBe('9000');
    expect(ask('10860000027C0000')).toBe(`7C128010${G1.z}9000`);
    expect(ask(`10860000457C438141${G1.pkMapIfd}00`)).toBe(`7C438241${G1.pkMapIc}9000`);
    expect(ask(`10860000457C438341${G1.pkDhIfd}00`)).toBe(`7C438441${G1.pkDhIc}9000`);
    expect(ask(`008600000C7C0A8508${G1.tIfd}00`)).toBe(`7C0A8608${G1.tIc}9000`);
    // SELECT of the LDS1 application under the G.1 session keys, SSC 1 (a cross-check vector computed by
    // jcexpress's reference script, not an ICAO one; the reader's secure messaging gives the same bytes).
    expect(ask('0CA4040C1D871101752F676B09FAC86A87D632749A49C7CC8E08C18BA1FCE707BD9F00')).toBe('990290008E08BEA7B381C494A0799000');
  });

  it('refuses a wrong authentication token with 6300 and stays locked', () => {
    const chip = new SimulatedChip(
      { files: new Map(), access: null, pace: { oid: G1.oid, parameterId: 13, password: h(G1.k), cardAccess: h(G1.cardAccess) } },
      {},
      { nonce: h(G1.s), mapKey: BigInt(`0x${G1.skMapIc}`), dhKey: BigInt(`0x${G1.skDhIc}`) },
    );
    const ask = (apdu: string) => X(chip.process(h(apdu)));
    ask('0022C1A40F800A04007F00070202040202830101');
    ask('10860000027C0000');
    ask(`10860000457C438141${G1.pkMapIfd}00`);
    ask(`10860000457C438341${G1.pkDhIfd}00`);
    expect(ask('008600000C7C0A85080000000000000000')).toBe('6300');
    expect(ask('00A4040C07A0000002471001')).toBe('9000');
    expect(ask('00A4020C02011E')).toBe('6982');
  });
});
