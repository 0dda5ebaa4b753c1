/**
 * The reader against the simulated chips in memory: every chip kind, each passive-authentication
 * outcome, removal mid-read and retry, offsets past 32 KB (READ BINARY B1) and extended length.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CardChannel } from './channel.ts';
import { bacInputFromMrz } from './mrz-compare.ts';
import { readChip } from './reader.ts';
import { MemoryCardTransport } from './simulator/memory-card.ts';
import { SimulatedChip } from './simulator/sim-card.ts';
import { type ChipKind, createSimPassports, type SimPassportSet } from './simulator/sim-passports.ts';

let set: SimPassportSet;
const NOW = new Date('2026-11-29T08:00:00Z');

beforeAll(async () => {
  set = await createSimPassports({ now: NOW });
});

function present(kind: ChipKind, s = set) {
  const p = s.passports.get(kind);
  if (!p) throw new Error(kind);
  const transport = new MemoryCardTransport(new SimulatedChip(p, p.behaviour));
  return { p, transport };
}

const read = (p: { mrz: string[] }, transport: MemoryCardTransport, s = set, extra: { chunk?: number } = {}) =>
  readChip(new CardChannel(transport), { printedMrz: p.mrz, bacInput: bacInputFromMrz(p.mrz), cscas: s.cscas, now: NOW, ...extra });

describe('reading simulated chips', () => {
  it('valid chip: BAC, DG1 equals the printed MRZ, JPEG face, genuine', async () => {
    const { p, transport } = present('valid');
    const r = await read(p, transport);
    expect(r.accessControl).toBe('bac');
    expect(r.com.tags).toEqual([0x61, 0x75]);
    expect(r.dg1Mrz).toEqual(p.mrz);
    expect(r.mrzComparison).toEqual({ same: true, differingFields: [] });
    expect(r.face.mime).toBe('image/jpeg');
    expect(r.face.data.equals(p.face)).toBe(true);
    expect([r.face.width, r.face.height]).toEqual([240, 320]);
    expect(r.passiveAuthentication).toMatchObject({ outcome: 'genuine', code: null, signatureValid: true, issuerKnown: true, dataGroups: { 1: true, 2: true } });
    expect(r.files.get(0x0102)?.length).toBeGreaterThan(14_000);
  });

  it('altered DG1: data altered, and DG1 differs from the printed MRZ in the surname', async () => {
    const { p, transport } = present('altered-dg1');
    const r = await read(p, transport);
    expect(r.passiveAuthentication).toMatchObject({ outcome: 'data-altered', code: 'CHIP_PA_DATA_ALTERED', dataGroups: { 1: false, 2: true } });
    expect(r.mrzComparison.same).toBe(false);
    expect(r.mrzComparison.differingFields).toContain('surname');
  });

  it('unknown signer: unknown issuing authority', async () => {
    const { p, transport } = present('unknown-signer');
    const r = await read(p, transport);
    expect(r.passiveAuthentication).toMatchObject({ outcome: 'unknown-issuer', code: 'CHIP_PA_UNKNOWN_ISSUER', signatureValid: true, issuerKnown: false });
  });

  it('expired document signer: signer expired', async () => {
    const { p, transport } = present('signer-expired');
    const r = await read(p, transport);
    expect(r.passiveAuthentication).toMatchObject({ outcome: 'signer-expired', code: 'CHIP_PA_SIGNER_EXPIRED', issuerKnown: true, signerValidAt: false });
  });

  it('no access control: read in clear', async () => {
    const { p, transport } = present('no-access-control');
    const r = await read(p, transport);
    expect(r.accessControl).toBe('none');
    expect(r.passiveAuthentication.outcome).toBe('genuine');
  });

  it('wrong MRZ: BAC refused with CHIP_ACCESS_DENIED', async () => {
    const { p, transport } = present('valid');
    const other = set.passports.get('removed')?.mrz as string[];
    await expect(read({ mrz: other }, transport).then(() => null)).rejects.toMatchObject({ code: 'CHIP_ACCESS_DENIED' });
    void p;
  });

  it('removed mid-read: CHIP_REMOVED, then a retry after the card is back reads it all', async () => {
    const { p, transport } = present('removed');
    await expect(read(p, transport)).rejects.toMatchObject({ code: 'CHIP_REMOVED' });
    await expect(read(p, transport)).rejects.toMatchObject({ code: 'CHIP_NOT_PRESENT' });
    transport.reinsert();
    const r = await read(p, transport);
    expect(r.passiveAuthentication.outcome).toBe('genuine');
  });

  it('DG2 past 32 KB: offsets above 7FFF go through READ BINARY B1 (DO54/DO53), with short and extended chunks', async () => {
    const big = await createSimPassports({ now: NOW, faceGrain: 90 });
    const { p, transport } = present('valid', big);
    expect(p.files.get(0x0102)?.length).toBeGreaterThan(0x8000 + 1000);
    const r = await read(p, transport, big);
    expect(r.face.data.equals(p.face)).toBe(true);
    expect(r.passiveAuthentication.outcome).toBe('genuine');
    const ext = present('valid', big);
    const r2 = await read(ext.p, ext.transport, big, { chunk: 0x1000 });
    expect(r2.face.data.equals(p.face)).toBe(true);
    expect(r2.apduCount).toBeLessThan(r.apduCount / 4);
  });
});
