/**
 * Reading each simulated passport chip through the real stack: the simulator connects to Debian's
 * vsmartcard-vpcd driver inside a real pcscd, and the reader talks PC/SC through @pokusew/pcsclite.
 * pcscd is started here (`pcscd -f`) when it is not already running, and stopped if we started it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardChannel } from '@lmc/firmware-bridge/chip/channel.ts';
import { parseCscaList } from '@lmc/protocol/csca-list.ts';
import { bacInputFromMrz } from '@lmc/firmware-bridge/chip/mrz-compare.ts';
import { PcscReader } from '@lmc/firmware-bridge/chip/pcsc-transport.ts';
import { readChip } from '@lmc/firmware-bridge/chip/reader.ts';
import { SimulatedChip } from '@lmc/firmware-bridge/chip/simulator/sim-card.ts';
import { type ChipKind, createSimPassports, type SimPassportSet } from '@lmc/firmware-bridge/chip/simulator/sim-passports.ts';
import { VpcdCard } from '@lmc/firmware-bridge/chip/simulator/vpcd-card.ts';
import { ensurePcscd, type Pcscd, VPCD_PORT, VPCD_READER } from '../support/pcscd.ts';

const READER = VPCD_READER;
const NOW = new Date();

let pcscd: Pcscd;
let set: SimPassportSet;
let reader: PcscReader;
/** Why the suite cannot run here, or null (see tests/support/pcscd.ts). */
let skipReason: string | null = null;

beforeAll(async () => {
  pcscd = await ensurePcscd();
  skipReason = pcscd.skipReason;
  if (skipReason) return;
  set = await createSimPassports({ now: NOW });
  reader = new PcscReader(READER);
  reader.start();
}, 300_000);

afterAll(async () => {
  reader?.stop();
  await pcscd?.stop();
});

async function insert(kind: ChipKind) {
  const p = set.passports.get(kind);
  if (!p) throw new Error(kind);
  const card = new VpcdCard(new SimulatedChip(p, p.behaviour), { port: VPCD_PORT });
  await card.insert();
  await reader.waitForCard(10_000);
  return { p, card };
}

async function removeCard(card: VpcdCard) {
  const gone = reader.cardPresent ? new Promise<void>((r) => reader.once('removed', () => r())) : Promise.resolve();
  await card.remove();
  await gone;
}

/** Puts the chip of `kind` in the field, reads it (READ BINARY of `chunk` bytes) and takes it away: the passport and the result. */
async function readInserted(kind: ChipKind, chunk?: number) {
  const { p, card } = await insert(kind);
  try {
    return { p, r: await readChip(new CardChannel(reader.transport()), readOpts(p.mrz, chunk)) };
  } finally {
    await removeCard(card);
  }
}

const readOpts = (mrz: string[], chunk?: number) => ({
  printedMrz: mrz,
  bacInput: bacInputFromMrz(mrz),
  cscas: parseCscaList(set.cscaList),
  now: NOW,
  ...(chunk ? { chunk } : {}),
});

describe('chip read through pcscd + vpcd', () => {
  const expected: Record<Exclude<ChipKind, 'removed'>, string> = {
    valid: 'genuine',
    'altered-dg1': 'data-altered',
    'unknown-signer': 'unknown-issuer',
    'signer-expired': 'signer-expired',
    'no-access-control': 'genuine',
    pace: 'genuine',
    'pace-only': 'genuine',
    'jp2-face': 'genuine',
  };

  for (const [kind, outcome] of Object.entries(expected) as [Exclude<ChipKind, 'removed'>, string][]) {
    it(`${kind}: read over PC/SC, passive authentication says ${outcome}`, async (ctx) => {
      if (skipReason) return ctx.skip(skipReason);
      const { p, r } = await readInserted(kind);
      expect(r.passiveAuthentication.outcome).toBe(outcome);
      expect(r.accessControl).toBe(kind === 'no-access-control' ? 'none' : 'bac');
      expect(r.accessProtocol).toBe(kind === 'no-access-control' ? 'none' : kind.startsWith('pace') ? 'pace' : 'bac');
      expect(r.face.data.equals(p.face)).toBe(true);
      expect(r.face.mime).toBe(kind === 'jp2-face' ? 'image/jp2' : 'image/jpeg');
      expect(r.mrzComparison.same).toBe(kind !== 'altered-dg1');
    }, 60_000);
  }

  it('extended-length READ BINARY through pcscd (4 KB chunks)', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const { r } = await readInserted('valid', 0x1000);
    expect(r.passiveAuthentication.outcome).toBe('genuine');
    // 19 for BAC and the files, plus SELECT MF and READ BINARY of EF.CardAccess (absent on a BAC chip).
    expect(r.apduCount).toBeLessThan(22);
  }, 60_000);

  it('card removed mid-read: CHIP_REMOVED, then a retry with the card back reads it', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const { p, card } = await insert('removed');
    await expect(readChip(new CardChannel(reader.transport()), readOpts(p.mrz))).rejects.toMatchObject({ code: 'CHIP_REMOVED' });
    await new Promise((r) => setTimeout(r, 300));
    await expect(readChip(new CardChannel(reader.transport()), readOpts(p.mrz))).rejects.toMatchObject({ code: expect.stringMatching(/CHIP_NOT_PRESENT|CHIP_REMOVED/) });
    await card.insert();
    await reader.waitForCard(10_000);
    try {
      const r = await readChip(new CardChannel(reader.transport()), readOpts(p.mrz));
      expect(r.passiveAuthentication.outcome).toBe('genuine');
    } finally {
      await removeCard(card);
    }
  }, 60_000);
});
