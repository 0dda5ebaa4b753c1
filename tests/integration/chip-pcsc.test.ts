/**
 * Reading each simulated passport chip through the real stack: the simulator connects to Debian's
 * vsmartcard-vpcd driver inside a real pcscd, and the reader talks PC/SC through @pokusew/pcsclite.
 * pcscd is started here (`pcscd -f`) when it is not already running, and stopped if we started it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardChannel } from '@lmc/firmware-bridge/chip/channel.ts';
import { parseCscaList } from '@lmc/firmware-bridge/chip/csca-list.ts';
import { bacInputFromMrz } from '@lmc/firmware-bridge/chip/mrz-compare.ts';
import { PcscReader } from '@lmc/firmware-bridge/chip/pcsc-transport.ts';
import { readChip } from '@lmc/firmware-bridge/chip/reader.ts';
import { SimulatedChip } from '@lmc/firmware-bridge/chip/simulator/sim-card.ts';
import { type ChipKind, createSimPassports, type SimPassportSet } from '@lmc/firmware-bridge/chip/simulator/sim-passports.ts';
import { VpcdCard } from '@lmc/firmware-bridge/chip/simulator/vpcd-card.ts';

const READER = 'Virtual PCD 00 00';
const VPCD_PORT = 35963;
const NOW = new Date();

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = new Socket();
    s.once('error', () => resolve(false));
    s.connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
  });

function pcscdRunning(): boolean {
  try {
    execFileSync('pgrep', ['-x', 'pcscd']);
    return true;
  } catch {
    return false;
  }
}

/** Why the suite cannot run here, or null. Only a missing pcscd/vpcd or a pcscd that will not start is a reason. */
let skipReason: string | null = null;
let pcscd: ChildProcess | null = null;
let set: SimPassportSet;
let reader: PcscReader;

beforeAll(async () => {
  if (!existsSync('/usr/sbin/pcscd') || !existsSync('/usr/lib/pcsc/drivers/serial/libifdvpcd.so')) {
    skipReason = 'pcscd or vsmartcard-vpcd is not installed (apt-get install pcscd vsmartcard-vpcd libpcsclite-dev)';
    return;
  }
  if (!pcscdRunning()) {
    pcscd = spawn('/usr/sbin/pcscd', ['-f'], { stdio: 'ignore' });
    pcscd.once('error', (err) => {
      skipReason = `pcscd cannot start: ${err.message}`;
    });
  }
  for (let i = 0; i < 100 && !(await portOpen(VPCD_PORT)); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await portOpen(VPCD_PORT))) {
    skipReason ??= `pcscd started but vpcd does not listen on ${VPCD_PORT}`;
    return;
  }
  set = await createSimPassports({ now: NOW });
  reader = new PcscReader(READER);
  reader.start();
}, 30_000);

afterAll(async () => {
  reader?.stop();
  if (pcscd) {
    pcscd.kill('SIGTERM');
    await new Promise((r) => pcscd?.once('exit', r));
  }
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
  };

  for (const [kind, outcome] of Object.entries(expected) as [Exclude<ChipKind, 'removed'>, string][]) {
    it(`${kind}: read over PC/SC, passive authentication says ${outcome}`, async (ctx) => {
      if (skipReason) return ctx.skip(skipReason);
      const { p, card } = await insert(kind);
      try {
        const r = await readChip(new CardChannel(reader.transport()), readOpts(p.mrz));
        expect(r.passiveAuthentication.outcome).toBe(outcome);
        expect(r.accessControl).toBe(kind === 'no-access-control' ? 'none' : 'bac');
        expect(r.face.data.equals(p.face)).toBe(true);
        expect(r.mrzComparison.same).toBe(kind !== 'altered-dg1');
      } finally {
        await removeCard(card);
      }
    }, 60_000);
  }

  it('extended-length READ BINARY through pcscd (4 KB chunks)', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const { p, card } = await insert('valid');
    try {
      const r = await readChip(new CardChannel(reader.transport()), readOpts(p.mrz, 0x1000));
      expect(r.passiveAuthentication.outcome).toBe('genuine');
      expect(r.apduCount).toBeLessThan(20);
    } finally {
      await removeCard(card);
    }
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
