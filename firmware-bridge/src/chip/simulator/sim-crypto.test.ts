/** The simulator's chip-side crypto against ICAO 9303-11 Appendix D (the same published vectors as the reader's tests). */
import { describe, expect, it } from 'vitest';
import { chipAccessKeys, decrypt3, encrypt3, kdf, mac } from './sim-crypto.ts';

const h = (s: string) => Buffer.from(s, 'hex');
const X = (b: Buffer) => b.toString('hex').toUpperCase();

describe('simulated chip crypto — ICAO 9303-11 Appendix D', () => {
  it('D.2 keys from L898902C< / 690806 / 940623', () => {
    const k = chipAccessKeys('L898902C', '690806', '940623');
    expect(X(k.enc)).toBe('AB94FDECF2674FDFB9B391F85D7F76F2');
    expect(X(k.mac)).toBe('7962D9ECE03D1ACD4C76089DCE131543');
  });

  it('D.3 chip side: decrypts E_IFD, answers E_IC ‖ M_IC, session keys', () => {
    const enc = h('AB94FDECF2674FDFB9B391F85D7F76F2');
    const m = h('7962D9ECE03D1ACD4C76089DCE131543');
    expect(X(mac(m, h('72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2')))).toBe('5F1448EEA8AD90A7');
    expect(X(decrypt3(enc, h('72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2')))).toBe(
      '781723860C06C2264608F919887022120B795240CB7049B01C19B33E32804F0B',
    );
    const eIc = encrypt3(enc, h('4608F91988702212781723860C06C2260B4F80323EB3191CB04970CB4052790B'));
    expect(X(Buffer.concat([eIc, mac(m, eIc)]))).toBe('46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449');
    expect(X(kdf(h('0036D272F5C350ACAC50C3F572D23600'), 1))).toBe('979EC13B1CBFE9DCD01AB0FED307EAE5');
    expect(X(kdf(h('0036D272F5C350ACAC50C3F572D23600'), 2))).toBe('F1CB1F1FB5ADF208806B89DC579DC1F8');
  });

  it('D.4 response MACs', () => {
    const ksMac = h('F1CB1F1FB5ADF208806B89DC579DC1F8');
    expect(X(mac(ksMac, h('887022120C06C22899029000')))).toBe('FA855A5D4C50A8ED');
    expect(X(mac(ksMac, h('887022120C06C22C871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A99029000')))).toBe('C8B2787EAEA07D74');
  });
});
