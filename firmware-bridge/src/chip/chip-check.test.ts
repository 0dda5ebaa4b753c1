/** Every officer-facing outcome of a chip check, from the simulated chips in memory. */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkChip } from './chip-check.ts';
import { bacInputFromMrz } from './mrz-compare.ts';
import { MemoryCardTransport } from './simulator/memory-card.ts';
import { SimulatedChip } from './simulator/sim-card.ts';
import { type ChipKind, createSimPassports, type SimPassportSet } from './simulator/sim-passports.ts';

let set: SimPassportSet;
const NOW = new Date('2026-11-29T08:00:00Z');
beforeAll(async () => {
  set = await createSimPassports({ now: NOW });
});

function check(kind: ChipKind, mutate?: (t: MemoryCardTransport) => void, mrz?: string[]) {
  const p = set.passports.get(kind);
  if (!p) throw new Error(kind);
  const t = new MemoryCardTransport(new SimulatedChip(p, p.behaviour));
  mutate?.(t);
  const lines = mrz ?? p.mrz;
  return checkChip(t, { printedMrz: lines, bacInput: bacInputFromMrz(lines), cscas: set.cscas, now: NOW });
}

describe('checkChip outcomes', () => {
  it.each([
    ['valid', 'genuine', null],
    ['altered-dg1', 'data-altered', 'CHIP_PA_DATA_ALTERED'],
    ['unknown-signer', 'unknown-issuer', 'CHIP_PA_UNKNOWN_ISSUER'],
    ['signer-expired', 'signer-expired', 'CHIP_PA_SIGNER_EXPIRED'],
    ['removed', 'unreadable', 'CHIP_REMOVED'],
  ] as const)('%s → %s', async (kind, outcome, code) => {
    const r = await check(kind);
    expect(r).toMatchObject({ outcome, code });
  });

  it('no card on the reader → no-chip', async () => {
    const r = await check('valid', (t) => {
      t.present = false;
    });
    expect(r).toEqual({ outcome: 'no-chip', code: 'CHIP_NOT_PRESENT', read: null });
  });

  it('MRZ of another document → access-denied', async () => {
    const r = await check('valid', undefined, set.passports.get('unknown-signer')?.mrz);
    expect(r).toEqual({ outcome: 'access-denied', code: 'CHIP_ACCESS_DENIED', read: null });
  });
});
