/**
 * Timing of a full chip read (BAC or PACE, EF.COM, DG1, a ~15 KB DG2, EF.SOD, passive authentication) for
 * `npm run bench`, against the ISO/IEC 14443 air-time floor at 106 and 424 kbit/s.
 *
 * Floor model (stated, not measured): every APDU is one or more ISO/IEC 14443-4 I-blocks
 * (PCB + INF + CRC_A 2 bytes; frames of at most FSC = FSD = 256 bytes, longer APDUs chained, each
 * chained frame answered by a 3-byte R(ACK)); 9 bits on air per byte (type A: 8 + odd parity) plus
 * 2 bits start/end; one frame-delay time (≈ 91 µs, 1236/fc) per frame turnaround. Chip processing
 * time is not in the floor: real chips add a few ms per APDU for 3DES and EEPROM reads.
 *
 * Run: npx tsx firmware-bridge/src/chip/simulator/read-timing.ts  (pcscd with vsmartcard-vpcd running for the PC/SC figures)
 */
import { performance } from 'node:perf_hooks';
import type * as pkijs from 'pkijs';
import { type ApduTransport, CardChannel } from '../channel.ts';
import { bacInputFromMrz } from '../mrz-compare.ts';
import { PcscReader } from '../pcsc-transport.ts';
import { readChip } from '../reader.ts';
import { MemoryCardTransport } from './memory-card.ts';
import { SimulatedChip } from './sim-card.ts';
import { createSimPassports, type SimPassport } from './sim-passports.ts';
import { VpcdCard, vpcdListening } from './vpcd-card.ts';

export interface ChipReadTiming {
  readonly via: 'memory' | 'pcsc-vpcd';
  /** How the chip was opened: BAC (the 'valid' chip) or PACE (the 'pace' chip, brainpoolP256r1, AES-128). */
  readonly access: 'bac' | 'pace';
  readonly chunk: number;
  readonly apdus: number;
  readonly bytesOut: number;
  readonly bytesIn: number;
  readonly totalMs: number;
  readonly msPerApdu: number;
  readonly floor106Ms: number;
  readonly floor424Ms: number;
}

const FSC = 256;
const FDT_MS = 1236 / 13_560; // 1236/fc in ms

/** Air time of one direction of one APDU at `kbps`, with chaining. */
function airMs(len: number, kbps: number): number {
  const inf = FSC - 3;
  const frames = Math.max(1, Math.ceil(len / inf));
  const bits = (len + frames * 3) * 9 + frames * 2 + (frames - 1) * (3 * 9 + 2);
  return bits / kbps + frames * FDT_MS + (frames - 1) * FDT_MS;
}

class Counting implements ApduTransport {
  apdus = 0;
  bytesOut = 0;
  bytesIn = 0;
  floor106 = 0;
  floor424 = 0;
  constructor(private readonly inner: ApduTransport) {}
  async transmit(apdu: Buffer): Promise<Buffer> {
    const res = await this.inner.transmit(apdu);
    this.apdus++;
    this.bytesOut += apdu.length;
    this.bytesIn += res.length;
    this.floor106 += airMs(apdu.length, 106) + airMs(res.length, 106);
    this.floor424 += airMs(apdu.length, 424) + airMs(res.length, 424);
    return res;
  }
}

async function timeRead(via: ChipReadTiming['via'], transport: ApduTransport, p: SimPassport, cscas: readonly pkijs.Certificate[], chunk: number): Promise<ChipReadTiming> {
  const counting = new Counting(transport);
  const t0 = performance.now();
  const r = await readChip(new CardChannel(counting), { printedMrz: p.mrz, bacInput: bacInputFromMrz(p.mrz), cscas, now: new Date(), chunk });
  const totalMs = performance.now() - t0;
  if (r.passiveAuthentication.outcome !== 'genuine') throw new Error(`bench read was ${r.passiveAuthentication.outcome}`);
  if (r.accessProtocol === 'none') throw new Error('bench chip opened without access control');
  return {
    via,
    access: r.accessProtocol,
    chunk,
    apdus: counting.apdus,
    bytesOut: counting.bytesOut,
    bytesIn: counting.bytesIn,
    totalMs,
    msPerApdu: totalMs / counting.apdus,
    floor106Ms: counting.floor106,
    floor424Ms: counting.floor424,
  };
}

/** Full reads in memory and, when pcscd with vpcd listens on 35963, through PC/SC; short (0xDF) and extended (4 KB) chunks. */
export async function benchChipRead(): Promise<ChipReadTiming[]> {
  const set = await createSimPassports();
  const chips = (['valid', 'pace'] as const).map((k) => set.passports.get(k) as SimPassport);
  const runs = chips.flatMap((p) => [0xdf, 0x1000].map((chunk) => ({ p, chunk })));
  const out: ChipReadTiming[] = [];
  for (const { p, chunk } of runs) out.push(await timeRead('memory', new MemoryCardTransport(new SimulatedChip(p)), p, set.cscas, chunk));
  if (!(await vpcdListening(35963))) return out;
  const reader = new PcscReader('Virtual PCD 00 00');
  reader.start();
  try {
    for (const { p, chunk } of runs) {
      const card = new VpcdCard(new SimulatedChip(p));
      await card.insert();
      await reader.waitForCard(10_000);
      out.push(await timeRead('pcsc-vpcd', reader.transport(), p, set.cscas, chunk));
      const gone = new Promise<void>((r) => reader.once('removed', () => r()));
      await card.remove();
      await gone;
    }
  } finally {
    reader.stop();
  }
  return out;
}

/** The bench's lines (tests/bench/run.ts): one a path and chunk size, with the APDU count and the air-time floors. */
export function formatChipReadTiming(rows: readonly ChipReadTiming[]): string[] {
  const out = ['Passport chip full read (BAC or PACE, EF.COM, DG1, ~15 KB DG2, EF.SOD, passive authentication), simulated valid and PACE chips:'];
  for (const r of rows) {
    const chunk = r.chunk === 0xdf ? '0xDF short' : `${r.chunk} B extended`;
    out.push(
      `  ${r.via.padEnd(9)} ${r.access.toUpperCase().padEnd(4)} ${chunk.padEnd(16)} ${String(r.apdus).padStart(3)} APDUs  ${r.totalMs.toFixed(0).padStart(5)} ms  ${r.msPerApdu.toFixed(1).padStart(5)} ms/APDU  ` +
        `floor 106 kbit/s ${r.floor106Ms.toFixed(0)} ms (${(r.totalMs / r.floor106Ms).toFixed(2)}x), 424 kbit/s ${r.floor424Ms.toFixed(0)} ms (${(r.totalMs / r.floor424Ms).toFixed(2)}x)`,
    );
  }
  if (!rows.some((r) => r.via === 'pcsc-vpcd')) out.push('  (no PC/SC rows: pcscd with vsmartcard-vpcd is not listening on 35963)');
  else out.push('  (pcsc-vpcd: Debian vpcd writes length and APDU as two TCP segments, ~44 ms per APDU of its own)');
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchChipRead();
  console.table(rows.map((r) => ({ ...r, totalMs: r.totalMs.toFixed(0), msPerApdu: r.msPerApdu.toFixed(1), floor106Ms: r.floor106Ms.toFixed(0), floor424Ms: r.floor424Ms.toFixed(0) })));
}
