/**
 * The reader opening simulated PACE chips in memory (9303-11 §4.2): PACE when EF.CardAccess offers a
 * protocol it runs, BAC when it does not or PACE fails, the PACE error when there is no BAC to fall back on.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type ApduTransport, CardChannel } from './channel.ts';
import { bacInputFromMrz } from './mrz-compare.ts';
import { readChip } from './reader.ts';
import { MemoryCardTransport } from './simulator/memory-card.ts';
import { SimulatedChip } from './simulator/sim-card.ts';
import { createSimPassports, PACE_KINDS, PACE_OIDS, type SimPaceSpec, type SimPassport, SimPassportIssuer, type SimPassportSet } from './simulator/sim-passports.ts';

const NOW = new Date('2026-11-29T08:00:00Z');
let set: SimPassportSet;
let issuer: SimPassportIssuer;

beforeAll(async () => {
  set = await createSimPassports({ now: NOW });
  issuer = await SimPassportIssuer.create({ now: NOW });
});

/** Records every command APDU (INS bytes) the reader sends. */
class Recording implements ApduTransport {
  readonly sent: Buffer[] = [];
  constructor(private readonly inner: ApduTransport) {}
  transmit(apdu: Buffer): Promise<Buffer> {
    this.sent.push(apdu);
    return this.inner.transmit(apdu);
  }
  /** Whether any command had INS `ins` (EXTERNAL AUTHENTICATE 82, GENERAL AUTHENTICATE 86). */
  has(ins: number): boolean {
    return this.sent.some((a) => a[1] === ins);
  }
}

function present(p: SimPassport) {
  return new Recording(new MemoryCardTransport(new SimulatedChip(p, p.behaviour)));
}

const read = (p: SimPassport, t: ApduTransport, mrz = p.mrz, cscas = set.cscas) =>
  readChip(new CardChannel(t), { printedMrz: mrz, bacInput: bacInputFromMrz(mrz), cscas, now: NOW });

describe('reading PACE chips', () => {
  it('PACE + BAC chip (brainpoolP256r1, EF.CardAccess lists DH first): opened by PACE, AES secure messaging, genuine', async () => {
    const p = set.passports.get('pace') as SimPassport;
    const t = present(p);
    const r = await read(p, t);
    expect([r.accessProtocol, r.accessControl, r.paceFallback]).toEqual(['pace', 'bac', null]);
    expect(t.has(0x86)).toBe(true);
    expect(t.has(0x82)).toBe(false);
    expect(r.dg1Mrz).toEqual(p.mrz);
    expect(r.face.data.equals(p.face)).toBe(true);
    expect(r.passiveAuthentication.outcome).toBe('genuine');
  });

  it('PACE-only chip (NIST P-256): opened by PACE; a wrong MRZ is CHIP_ACCESS_DENIED naming PACE and BAC', async () => {
    const p = set.passports.get('pace-only') as SimPassport;
    const r = await read(p, present(p));
    expect(r.accessProtocol).toBe('pace');
    expect(r.passiveAuthentication.outcome).toBe('genuine');
    const other = set.passports.get('valid')?.mrz as string[];
    const err = await read(p, present(p), other).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CHIP_ACCESS_DENIED', message: expect.stringMatching(/^PACE: .*; BAC: /) });
  });

  it.each([
    ['AES-192, brainpoolP384r1', { oid: PACE_OIDS.ecdhGmAes192, parameterId: 16, bac: false }],
    ['AES-256, NIST P-384', { oid: PACE_OIDS.ecdhGmAes256, parameterId: 15, bac: false }],
    ['AES-256, brainpoolP512r1', { oid: PACE_OIDS.ecdhGmAes256, parameterId: 17, bac: false }],
    ['AES-128, NIST P-521', { oid: PACE_OIDS.ecdhGmAes128, parameterId: 18, bac: false }],
  ] as [string, SimPaceSpec][])('PACE-only chip with %s', async (_name, spec) => {
    const p = await issuer.issue(set.passports.get('valid')?.mrz as string[], 'valid', spec);
    const r = await read(p, present(p), p.mrz, issuer.cscas);
    expect(r.accessProtocol).toBe('pace');
    expect(r.dg1Mrz).toEqual(p.mrz);
  });

  it('EF.CardAccess offering only what the reader does not run (3DES, DH): BAC, with the reason kept', async () => {
    // The 'pace' chip (ECDH-GM AES-128 on brainpoolP256r1, BAC too), its EF.CardAccess listing only 3DES and DH.
    const spec: SimPaceSpec = { ...(PACE_KINDS.pace as SimPaceSpec), offers: [{ oid: PACE_OIDS.ecdhGm3des, parameterId: 13 }, { oid: PACE_OIDS.dhGmAes128, parameterId: 0 }] };
    const p = await issuer.issue(set.passports.get('valid')?.mrz as string[], 'valid', spec);
    const t = present(p);
    const r = await read(p, t, p.mrz, issuer.cscas);
    expect(r.accessProtocol).toBe('bac');
    expect(r.paceFallback).toMatch(/3DES secure messaging is not supported.*DH GM mapping is not supported/);
    expect(t.has(0x86)).toBe(false);
  });

  it('PACE refused by the chip (MSE:Set AT 6A80): falls back to BAC', async () => {
    const p = await issuer.issue(set.passports.get('valid')?.mrz as string[], 'valid', { oid: PACE_OIDS.ecdhGmAes128, parameterId: 13, bac: true, refuse: true });
    const t = present(p);
    const r = await read(p, t, p.mrz, issuer.cscas);
    expect([r.accessProtocol, r.paceFallback]).toEqual(['bac', expect.stringContaining('MSE:Set AT refused (6A80)')]);
    expect(t.has(0x82)).toBe(true);
  });

  it('BAC-only chip: EF.CardAccess absent, BAC as before (two more APDUs)', async () => {
    const p = set.passports.get('valid') as SimPassport;
    const t = present(p);
    const r = await read(p, t);
    expect([r.accessProtocol, r.paceFallback]).toEqual(['bac', null]);
    expect(t.sent[1]?.subarray(0, 4).toString('hex')).toBe('00b09c00');
  });

  it('a chip that wants the exact Le for EF.CardAccess (6CXX) is asked again with it', async () => {
    const p = set.passports.get('pace-only') as SimPassport;
    const inner = present(p);
    const picky: ApduTransport = {
      transmit: (apdu) => (apdu.toString('hex') === '00b09c0000' ? Promise.resolve(Buffer.from([0x6c, p.pace?.cardAccess.length ?? 0])) : inner.transmit(apdu)),
    };
    const r = await read(p, picky);
    expect(r.accessProtocol).toBe('pace');
    expect(inner.sent.some((a) => a.toString('hex') === `00b09c00${(p.pace?.cardAccess.length ?? 0).toString(16).padStart(2, '0')}`)).toBe(true);
  });
});
