/**
 * ICAO 9303-11 Appendix D (worked example of BAC and secure messaging), byte for byte.
 * Document L898902C<, born 690806, expires 940623. The values are the published ones;
 * the reader's code and the simulator's code must both reproduce them independently.
 */
import { describe, expect, it } from 'vitest';
import { decodeResponse } from './apdu.ts';
import { BacHandshake } from './bac.ts';
import { bacKeys, deriveKeys, keySeed, mrzInformation } from './bac-keys.ts';
import { retailMac, tdesEncrypt, withOddParity } from './des.ts';
import { SecureMessaging } from './secure-messaging.ts';

const h = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');
const X = (b: Buffer) => b.toString('hex').toUpperCase();

// D.2: computing the Document Basic Access Keys.
const MRZ_INFO = 'L898902C<369080619406236';
const K_SEED = '239AB9CB282DAF66231DC5A4DF6BFBAE';
const K_ENC = 'AB94FDECF2674FDFB9B391F85D7F76F2';
const K_MAC = '7962D9ECE03D1ACD4C76089DCE131543';
// D.3: authentication and establishment of session keys.
const RND_IC = '4608F91988702212';
const RND_IFD = '781723860C06C226';
const K_IFD = '0B795240CB7049B01C19B33E32804F0B';
const S = '781723860C06C2264608F919887022120B795240CB7049B01C19B33E32804F0B';
const E_IFD = '72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2';
const M_IFD = '5F1448EEA8AD90A7';
const RESP = '46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449';
const KS_ENC = '979EC13B1CBFE9DCD01AB0FED307EAE5';
const KS_MAC = 'F1CB1F1FB5ADF208806B89DC579DC1F8';
const SSC0 = '887022120C06C226';

describe('ICAO 9303-11 D.2 — Document Basic Access Keys', () => {
  it('MRZ information, Kseed, Kenc and Kmac', () => {
    const info = mrzInformation({ documentNumber: 'L898902C', birthDate: '690806', expiryDate: '940623' });
    expect(info).toBe(MRZ_INFO);
    expect(X(keySeed(info))).toBe(K_SEED);
    const keys = bacKeys({ documentNumber: 'L898902C<', birthDate: '690806', expiryDate: '940623' });
    expect(X(keys.kEnc)).toBe(K_ENC);
    expect(X(keys.kMac)).toBe(K_MAC);
  });

  it('adjusts DES parity (D.2: Ka before parity AB94FCEDF2664EDF)', () => {
    expect(X(withOddParity(h('AB94FCEDF2664EDFB9B291F85D7F77F2')))).toBe(K_ENC);
  });
});

describe('ICAO 9303-11 D.3 — authentication and session keys', () => {
  const keys = { kEnc: h(K_ENC), kMac: h(K_MAC) };

  it('S, E_IFD, M_IFD and the EXTERNAL AUTHENTICATE command data', () => {
    expect(X(tdesEncrypt(keys.kEnc, h(S)))).toBe(E_IFD);
    expect(X(retailMac(keys.kMac, h(E_IFD)))).toBe(M_IFD);
    const hs = new BacHandshake(keys, h(RND_IC), { rndIfd: h(RND_IFD), kIfd: h(K_IFD) });
    const cmd = hs.externalAuthenticate();
    expect(X(Buffer.from(cmd.data ?? []))).toBe(E_IFD + M_IFD);
    expect([cmd.ins, cmd.ne]).toEqual([0x82, 40]);
  });

  it('checks the chip answer and derives KSenc, KSmac and SSC', () => {
    const hs = new BacHandshake(keys, h(RND_IC), { rndIfd: h(RND_IFD), kIfd: h(K_IFD) });
    const session = hs.complete(h(RESP));
    expect(X(session.ksEnc)).toBe(KS_ENC);
    expect(X(session.ksMac)).toBe(KS_MAC);
    expect(X(session.ssc)).toBe(SSC0);
    // Kseed of the session keys = K.IFD xor K.IC (D.3).
    const again = deriveKeys(h('0036D272F5C350ACAC50C3F572D23600'));
    expect(X(again.kEnc)).toBe(KS_ENC);
  });

  it('refuses a chip answer with a wrong MAC or a wrong nonce', () => {
    const tampered = h(RESP);
    tampered[39] = (tampered[39] as number) ^ 1;
    const hs = new BacHandshake(keys, h(RND_IC), { rndIfd: h(RND_IFD), kIfd: h(K_IFD) });
    expect(() => hs.complete(tampered)).toThrow(expect.objectContaining({ code: 'CHIP_ACCESS_DENIED' }));
    const otherNonce = new BacHandshake(keys, h(RND_IC), { rndIfd: h('0000000000000000'), kIfd: h(K_IFD) });
    expect(() => otherNonce.complete(h(RESP))).toThrow(expect.objectContaining({ code: 'CHIP_ACCESS_DENIED' }));
  });
});

describe('ICAO 9303-11 D.4 — secure messaging', () => {
  const sm = () => new SecureMessaging({ ksEnc: h(KS_ENC), ksMac: h(KS_MAC), ssc: h(SSC0) });

  it('SELECT EF.COM, READ BINARY 4, READ BINARY 18: protected commands and responses', () => {
    const s = sm();
    // D.4.1 SELECT EF.COM (00 A4 02 0C 02 011E).
    expect(X(s.wrap({ cla: 0, ins: 0xa4, p1: 0x02, p2: 0x0c, data: h('011E') }))).toBe('0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800');
    expect(X(s.ssc)).toBe('887022120C06C227');
    const r1 = s.unwrap(decodeResponse(h('990290008E08FA855A5D4C50A8ED9000')));
    expect(r1).toEqual({ data: Buffer.alloc(0), sw: 0x9000 });
    expect(X(s.ssc)).toBe('887022120C06C228');
    // D.4.2 READ BINARY of the first four bytes (00 B0 00 00 04).
    expect(X(s.wrap({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 4 }))).toBe('0CB000000D9701048E08ED6705417E96BA5500');
    const r2 = s.unwrap(decodeResponse(h('8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000')));
    expect(X(r2.data)).toBe('60145F01');
    expect(X(s.ssc)).toBe('887022120C06C22A');
    // D.4.3 READ BINARY of the remaining 18 bytes from offset 4 (00 B0 00 04 12).
    expect(X(s.wrap({ cla: 0, ins: 0xb0, p1: 0, p2: 4, ne: 0x12 }))).toBe('0CB000040D9701128E082EA28A70F3C7B53500');
    const r3 = s.unwrap(decodeResponse(h('871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000')));
    expect(X(r3.data)).toBe('04303130365F36063034303030305C026175');
    expect(r3.sw).toBe(0x9000);
    expect(X(s.ssc)).toBe('887022120C06C22C');
  });

  it('rejects a response whose MAC does not verify', () => {
    const s = sm();
    s.wrap({ cla: 0, ins: 0xa4, p1: 0x02, p2: 0x0c, data: h('011E') });
    expect(() => s.unwrap(decodeResponse(h('990290008E08FA855A5D4C50A8EE9000')))).toThrow(expect.objectContaining({ code: 'CHIP_SECURE_MESSAGING' }));
  });
});
