import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '@lmc/core/wait-test-support.ts';
import { SerialTransport } from '../transport/serial-transport.ts';
import type { ByteTransport } from '../transport/transport.ts';
import type { FramingMode } from './frame-parser.ts';
import { TD1_SPECIMEN, TD3_SPECIMEN } from './icao-specimens.ts';
import { MrzReaderDriver, type MrzReadEvent, type MrzReaderStateEvent, type MrzRejectedEvent } from './mrz-reader-driver.ts';
import { MrzReaderSimulator } from './mrz-reader-simulator.ts';
import type { SimulatedFraming } from './reader-wire-encoder.ts';

/** Fast baud for tests that are not about pacing: a TD3 read is ~2 ms on the wire. */
const FAST = 460_800;

interface Rig {
  sim: MrzReaderSimulator;
  driver: MrzReaderDriver;
  reads: MrzReadEvent[];
  rejected: MrzRejectedEvent[];
  states: MrzReaderStateEvent[];
  /** Bytes and chunks the driver's transports delivered (observed through the factory seam). */
  wire: { chunks: number; bytes: number };
}

const rigs: Rig[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.driver.stop();
    await r.sim.close();
  }
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function rig(opts: { framing?: SimulatedFraming; driverFraming?: FramingMode; baudRate?: number; interByteTimeoutMs?: number; linkPath?: string } = {}): Promise<Rig> {
  const baudRate = opts.baudRate ?? FAST;
  const sim = await MrzReaderSimulator.start({ baudRate, framing: opts.framing ?? 'cr', ...(opts.linkPath ? { linkPath: opts.linkPath } : {}) });
  const wire = { chunks: 0, bytes: 0 };
  const driver = new MrzReaderDriver({
    transportFactory: () => observed(new SerialTransport({ path: sim.devicePath, baudRate }), wire),
    framing: opts.driverFraming ?? 'auto',
    // Generous, so a loaded 2-core machine cannot split a read; the timeout test sets its own.
    interByteTimeoutMs: opts.interByteTimeoutMs ?? 500,
    reconnect: { minMs: 20, maxMs: 100 },
  });
  const r: Rig = { sim, driver, reads: [], rejected: [], states: [], wire };
  driver.on('read', (e) => r.reads.push(e));
  driver.on('rejected', (e) => r.rejected.push(e));
  driver.on('state', (e) => r.states.push(e));
  rigs.push(r);
  await driver.start();
  return r;
}

function observed(t: ByteTransport, wire: { chunks: number; bytes: number }): ByteTransport {
  t.on('data', (chunk) => {
    wire.chunks++;
    wire.bytes += chunk.length;
  });
  return t;
}

describe('MrzReaderDriver over a real pseudo-terminal', () => {
  it('connects and reads a CR-framed TD3 passport', async () => {
    const r = await rig({ framing: 'cr' });
    expect(r.driver.state).toBe('connected');
    expect(r.states.map((s) => s.state)).toEqual(['connecting', 'connected']);
    const res = await r.sim.scan(TD3_SPECIMEN);
    expect(res.bytesWritten).toBe(90);
    await until('a read', () => r.reads.length === 1);
    expect(r.reads[0]).toMatchObject({ lines: [...TD3_SPECIMEN], framing: 'cr', byteCount: 90, complete: true, endedBy: 'terminator' });
    expect(r.reads[0]?.receivedAt).toBeLessThanOrEqual(performance.now());
  });

  it('reports reading while a read arrives and connected again once it is delivered', async () => {
    const r = await rig({ framing: 'stx-etx', baudRate: 9600 });
    await r.sim.scan(TD3_SPECIMEN);
    await until('a read', () => r.reads.length === 1);
    await until('back to connected', () => r.driver.state === 'connected');
    expect(r.states.map((s) => s.state)).toEqual(['connecting', 'connected', 'reading', 'connected']);
  });

  it('reads CR LF and STX/ETX framings and auto-detects each on one connection', async () => {
    const r = await rig({ framing: 'crlf' });
    await r.sim.scan(TD3_SPECIMEN);
    await r.sim.scan(TD1_SPECIMEN, { framing: 'stx-etx' });
    await r.sim.scan(TD3_SPECIMEN, { framing: '3m' });
    await r.sim.scan(TD1_SPECIMEN, { framing: 'cr' });
    await until('four reads', () => r.reads.length === 4);
    expect(r.reads.map((e) => [e.framing, e.lines.length])).toEqual([
      ['crlf', 2],
      ['stx-etx', 3],
      ['3m', 2],
      ['cr', 3],
    ]);
    expect(r.rejected).toEqual([]);
  });

  it('discards garbage sent before a read, reports it, and reads the document', async () => {
    const r = await rig({ framing: 'stx-etx' });
    await r.sim.scan(TD3_SPECIMEN, { garbageBefore: Buffer.from([0x00, 0xff, 0x07, 0x6e, 0x6f, 0x69, 0x73, 0x65]) /* NUL FF BEL "noise" */ });
    await until('a read', () => r.reads.length === 1);
    expect(r.reads[0]?.lines).toEqual([...TD3_SPECIMEN]);
    expect(r.rejected).toEqual([{ code: 'GARBAGE', reason: '8 byte(s) outside any MRZ read discarded (first 0x00)', byteCount: 8 }]);
  });

  it('reads a document that arrives in many 1–3 byte writes at 9600 baud', async () => {
    const r = await rig({ framing: 'stx-etx', baudRate: 9600 });
    const res = await r.sim.scan(TD3_SPECIMEN, { chunkSize: [1, 2, 3] });
    expect(res.bytesWritten).toBe(92);
    // 92 bytes in writes of 1, 2, 3, 1, 2, 3, … bytes (15 rounds of 6, then 1 and 1): 47 writes, each paced at the wire rate.
    expect(res.writes).toBe(47);
    await until('a read', () => r.reads.length === 1);
    expect(r.reads[0]?.lines).toEqual([...TD3_SPECIMEN]);
    // Proof the read really arrived in pieces: the simulator paces ~1 ms a byte at 9600 baud. How many pieces the
    // driver sees depends on how often a busy machine schedules it (the tty buffer merges what waits), so only
    // "more than one" is a property of the test; reassembly across any split is what the driver must get right.
    expect(r.wire.chunks).toBeGreaterThan(1);
    expect(r.wire.bytes).toBe(92);
  });

  it('ends a read that lost its terminator after the inter-byte timeout', async () => {
    const r = await rig({ interByteTimeoutMs: 60 });
    await r.sim.sendRaw(`${TD3_SPECIMEN[0]}\r${TD3_SPECIMEN[1]}`); // final CR lost
    await until('a read', () => r.reads.length === 1);
    expect(r.reads[0]).toMatchObject({ lines: [...TD3_SPECIMEN], endedBy: 'timeout', complete: true, byteCount: 89 });
    await r.sim.sendRaw(`${TD3_SPECIMEN[0]}\r${TD3_SPECIMEN[1]?.slice(0, 30)}`); // cut off mid-line
    // Cut by a real silence: a rejection (the partial line, then the read), never a read without a document.
    await until('the cut read rejected', () => r.rejected.length === 2);
    expect(r.reads).toHaveLength(1);
    expect(r.rejected.map((e) => [e.code, e.byteCount])).toEqual([
      ['PARTIAL_LINE', 30],
      ['INCOMPLETE_READ', 45],
    ]);
  });

  it('a 500 ms stall of this process mid-read loses nothing: the bytes that arrived meanwhile are read before the silence is judged', async () => {
    const r = await rig({ framing: 'cr', interByteTimeoutMs: 100 });
    const [l1 = '', l2 = ''] = TD3_SPECIMEN;
    await r.sim.sendRaw(`${l1}\r${l2.slice(0, 10)}`);
    await until('the first part', () => r.wire.bytes === 55);
    await r.sim.sendRaw(`${l2.slice(10)}\r`);
    // The rest is in the kernel's tty buffer; the loop now stalls (a barcode decode, a PDF) for 500 ms, so the
    // inter-byte timer falls due long before the bytes are delivered to this process.
    const end = performance.now() + 500;
    while (performance.now() < end) {
      // busy: the event loop is blocked
    }
    await until('the read', () => r.reads.length === 1 || r.rejected.length > 0);
    expect(r.rejected).toEqual([]);
    expect(r.reads[0]).toMatchObject({ lines: [...TD3_SPECIMEN], endedBy: 'terminator', complete: true, byteCount: 90 });
  });

  it('survives an unplug mid-read: disconnected, reconnects by the stable path on replug, reads the next scan', async () => {
    const r = await rig({ framing: 'cr' });
    await r.sim.sendRaw(`${TD3_SPECIMEN[0]}\r${TD3_SPECIMEN[1]?.slice(0, 10)}`); // 55 bytes, then the cable goes
    await until('the half read to arrive', () => r.wire.bytes === 55);
    await r.sim.unplug();
    await until('disconnected', () => r.driver.state === 'disconnected');
    expect(r.rejected).toEqual([{ code: 'INTERRUPTED', reason: 'reader disconnected mid-read', byteCount: 55 }]);
    // Let a few reopen attempts fail against the vanished path before the reader comes back.
    await new Promise((res) => setTimeout(res, 150));
    expect(r.driver.state).toBe('disconnected');
    await r.sim.replug();
    await until('reconnected', () => r.driver.state === 'connected');
    expect(r.states.map((s) => s.state)).toEqual(['connecting', 'connected', 'reading', 'disconnected', 'connected']);
    await r.sim.scan(TD3_SPECIMEN);
    await until('a read after replug', () => r.reads.length === 1);
    expect(r.reads[0]?.lines).toEqual([...TD3_SPECIMEN]);
  });

  it('starts without a reader (state error), then connects when one is plugged in at the configured path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mrz-driver-test-'));
    dirs.push(dir);
    const link = join(dir, 'by-id', 'usb-Late_Reader-if00');
    const states: string[] = [];
    const driver = new MrzReaderDriver({
      transportFactory: () => new SerialTransport({ path: link, baudRate: FAST }),
      reconnect: { minMs: 20, maxMs: 80 },
    });
    driver.on('state', (e) => states.push(e.state));
    await driver.start();
    expect(driver.state).toBe('error');
    const sim = await MrzReaderSimulator.start({ baudRate: FAST, framing: 'cr', linkPath: link });
    rigs.push({ sim, driver, reads: [], rejected: [], states: [], wire: { chunks: 0, bytes: 0 } });
    await until('connected', () => driver.state === 'connected');
    expect(states).toEqual(['connecting', 'error', 'connected']);
  });

  it('stop() releases the port (it can be opened again) and nothing more is read', async () => {
    const r = await rig();
    const pty = r.sim.ptyPath;
    await r.driver.stop();
    expect(r.driver.state).toBe('stopped');
    expect(r.states.at(-1)).toMatchObject({ state: 'disconnected', reason: 'stopped' });
    // serialport takes an exclusive lock: this open fails if the driver still held the port.
    const again = new SerialTransport({ path: String(pty), baudRate: FAST });
    await again.open();
    await again.close();
    await r.sim.scan(TD3_SPECIMEN);
    await new Promise((res) => setTimeout(res, 50));
    expect(r.reads).toEqual([]);
  });

  it('keeps reading when a read listener throws', async () => {
    const r = await rig();
    r.driver.prependListener('read', () => {
      throw new Error('listener bug');
    });
    await r.sim.scan(TD3_SPECIMEN);
    await r.sim.scan(TD1_SPECIMEN);
    await until('two reads', () => r.reads.length === 2);
    expect(r.driver.state).toBe('connected');
  });
});
