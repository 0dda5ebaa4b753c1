import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameParser, type FrameRead, type FrameRejected, type FramingMode, type ParserClock } from './frame-parser.ts';
import { TD1_SPECIMEN, TD2_SPECIMEN, TD3_SPECIMEN } from './icao-specimens.ts';
import { encodeRead, type SimulatedFraming } from './reader-wire-encoder.ts';

/** Deterministic clock: timers fire only when the test advances time. */
class FakeClock implements ParserClock {
  t = 1000;
  #id = 0;
  readonly timers = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    this.#id++;
    this.timers.set(this.#id, { at: this.t + ms, fn });
    return this.#id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Fires due timers in time order, each at its own due time (as a responsive loop would). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = Math.max(this.t, due[1].at);
      due[1].fn();
    }
    this.t = end;
  }
}

function harness(framing: FramingMode = 'auto', interByteTimeoutMs = 80) {
  const clock = new FakeClock();
  const reads: FrameRead[] = [];
  const rejected: FrameRejected[] = [];
  const parser = new FrameParser({
    framing,
    interByteTimeoutMs,
    clock,
    onRead: (r) => reads.push(r),
    onRejected: (r) => rejected.push(r),
  });
  return { clock, reads, rejected, parser };
}

const ascii = (s: string) => Buffer.from(s, 'latin1');
const [TD3_L1, TD3_L2] = TD3_SPECIMEN as [string, string];

describe('FrameParser: framings', () => {
  it('assembles a TD3 read from two CR-terminated lines as soon as the second CR arrives', () => {
    const h = harness();
    // 44 characters + CR (0D), twice: 90 bytes, no envelope.
    h.parser.push(ascii(`${TD3_L1}\r${TD3_L2}\r`));
    expect(h.reads).toEqual([
      { lines: [...TD3_SPECIMEN], framing: 'cr', byteCount: 90, receivedAt: 1000, complete: true, endedBy: 'terminator' },
    ]);
    h.clock.advance(1000);
    expect(h.rejected).toEqual([]);
  });

  it('reports CR LF framing and swallows the trailing LF without calling it garbage', () => {
    const h = harness();
    h.parser.push(ascii(`${TD3_L1}\r\n${TD3_L2}\r\n`));
    h.clock.advance(1000);
    expect(h.reads.map((r) => [r.framing, r.lines, r.byteCount])).toEqual([['crlf', [...TD3_SPECIMEN], 91]]);
    expect(h.rejected).toEqual([]);
  });

  it('reads a TD1 card wrapped in STX … ETX (three lines of 30)', () => {
    const h = harness();
    // 02, three lines of 30 each followed by 0D, 03: 1 + 93 + 1 = 95 bytes.
    h.parser.push(Buffer.concat([Buffer.of(0x02), ascii(TD1_SPECIMEN.map((l) => `${l}\r`).join('')), Buffer.of(0x03)]));
    expect(h.reads).toHaveLength(1);
    expect(h.reads[0]).toMatchObject({ lines: [...TD1_SPECIMEN], framing: 'stx-etx', byteCount: 95, complete: true });
  });

  it('reads a DESKO CUTE block: a start marker before STX and an end marker after ETX', () => {
    const h = harness();
    // SODn and EODn values are device-configured; 0x1A/0x1B stand in for them here.
    h.parser.push(Buffer.concat([Buffer.of(0x1a, 0x02), ascii(`${TD3_L1}\r${TD3_L2}\r`), Buffer.of(0x03, 0x1b)]));
    h.clock.advance(1000);
    expect(h.reads.map((r) => [r.framing, r.lines])).toEqual([['desko', [...TD3_SPECIMEN]]]);
    expect(h.rejected).toEqual([]);
  });

  it('reads an Access-IS OCR message (1C 02 … 03 1D) and rejects its barcode messages (1E 02 … 03 1F)', () => {
    const h = harness();
    h.parser.push(Buffer.concat([Buffer.of(0x1c, 0x02), ascii(`${TD3_L1}\r${TD3_L2}\r`), Buffer.of(0x03, 0x1d)]));
    // Barcode: 1E 02, symbology id 'Q', data "HELLO", 03 1F.
    h.parser.push(Buffer.concat([Buffer.of(0x1e, 0x02), ascii('QHELLO'), Buffer.of(0x03, 0x1f)]));
    h.clock.advance(1000);
    expect(h.reads.map((r) => [r.framing, r.lines])).toEqual([['access-is', [...TD3_SPECIMEN]]]);
    expect(h.rejected).toEqual([{ code: 'NOT_OCR', reason: 'barcode message, not an MRZ', byteCount: 9 }]);
  });

  it('reads a 3M RTE block: header, flag, empty top line, `_` padding, BCC', () => {
    const h = harness();
    const block = encodeRead(TD2_SPECIMEN, '3m');
    // SOH, 2-byte length, "OU", STX, flag, CR (line 1 absent), two 36-char lines padded to 44 with "_".
    expect([...block.subarray(0, 8)]).toEqual([0x01, block[1], block[2], 0x4f, 0x55, 0x02, 0x30, 0x0d]);
    expect(block.toString('latin1')).toContain(`${TD2_SPECIMEN[0]}________\r`);
    h.parser.push(block);
    h.clock.advance(1000);
    expect(h.reads.map((r) => [r.framing, r.lines, r.byteCount])).toEqual([['3m', [...TD2_SPECIMEN], block.length - 1]]);
    expect(h.rejected).toEqual([]);
  });

  it('auto-detects a different framing on every read of one stream', () => {
    const h = harness();
    const framings: SimulatedFraming[] = ['cr', 'stx-etx', 'crlf', '3m', 'cr'];
    for (const f of framings) {
      h.parser.push(encodeRead(TD3_SPECIMEN, f));
      h.clock.advance(200);
    }
    expect(h.reads.map((r) => r.framing)).toEqual(framings);
    expect(h.reads.every((r) => r.lines.join() === TD3_SPECIMEN.join())).toBe(true);
    expect(h.rejected).toEqual([]);
  });

  it('in stx-etx mode rejects bare lines that are not inside an envelope', () => {
    const h = harness('stx-etx');
    h.parser.push(encodeRead(TD3_SPECIMEN, 'cr'));
    h.clock.advance(200);
    h.parser.push(encodeRead(TD3_SPECIMEN, 'stx-etx'));
    expect(h.reads.map((r) => r.framing)).toEqual(['stx-etx']);
    expect(h.rejected.map((r) => r.code)).toEqual(['GARBAGE']);
    expect(h.rejected[0]?.byteCount).toBe(88); // the 88 MRZ characters; the two CRs are ignorable
  });
});

describe('FrameParser: resynchronisation', () => {
  it('discards garbage before a read, reports it, and still reads the document', () => {
    const h = harness();
    // NUL, FF, "hi" in lower case, BEL: five bytes no reader sends inside an MRZ read.
    h.parser.push(Buffer.concat([Buffer.of(0x00, 0xff, 0x68, 0x69, 0x07), encodeRead(TD3_SPECIMEN, 'cr')]));
    expect(h.rejected).toEqual([{ code: 'GARBAGE', reason: '5 byte(s) outside any MRZ read discarded (first 0x00)', byteCount: 5 }]);
    expect(h.reads.map((r) => r.lines)).toEqual([[...TD3_SPECIMEN]]);
  });

  it('drops a read interrupted by a non-MRZ byte and reads the next one in the same burst', () => {
    const h = harness();
    h.parser.push(Buffer.concat([ascii(`${TD3_L1}\r${TD3_L2.slice(0, 10)}`), Buffer.of(0x3f), encodeRead(TD3_SPECIMEN, 'crlf')]));
    expect(h.rejected).toEqual([{ code: 'GARBAGE', reason: 'non-MRZ byte 0x3f in line 2', byteCount: 45 + 10 + 1 }]);
    expect(h.reads.map((r) => [r.framing, r.lines])).toEqual([['crlf', [...TD3_SPECIMEN]]]);
  });

  it('rejects a line of a length no MRZ has, and lines of mixed lengths', () => {
    const h = harness();
    h.parser.push(ascii(`${TD3_L1.slice(0, 40)}\r`));
    h.clock.advance(200);
    // A TD3 line followed by a TD1 card: the TD3 line is dropped, the card is read.
    h.parser.push(ascii(`${TD3_L1}\r${TD1_SPECIMEN.map((l) => `${l}\r`).join('')}`));
    expect(h.rejected.map((r) => [r.code, r.byteCount])).toEqual([
      ['LINE_LENGTH', 41],
      ['INCONSISTENT_LINES', 45],
    ]);
    expect(h.reads.map((r) => r.lines)).toEqual([[...TD1_SPECIMEN]]);
  });

  it('drops an unterminated STX read when the next STX arrives', () => {
    const h = harness();
    h.parser.push(Buffer.concat([Buffer.of(0x02), ascii(`${TD3_L1}\r`), encodeRead(TD3_SPECIMEN, 'stx-etx')]));
    expect(h.rejected.map((r) => [r.code, r.byteCount])).toEqual([['INTERRUPTED', 46]]);
    expect(h.reads.map((r) => r.lines)).toEqual([[...TD3_SPECIMEN]]);
  });

  it('gives the same reads for any split of the stream into 1–3 byte chunks', () => {
    const framing = fc.constantFrom<SimulatedFraming>('cr', 'crlf', 'stx-etx', '3m');
    const doc = fc.constantFrom(TD1_SPECIMEN, TD2_SPECIMEN, TD3_SPECIMEN);
    fc.assert(
      fc.property(fc.array(fc.tuple(doc, framing), { minLength: 1, maxLength: 3 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1 }), (docs, sizes) => {
        const h = harness();
        const stream = Buffer.concat(docs.map(([d, f]) => encodeRead(d, f)));
        let at = 0;
        for (let i = 0; at < stream.length; i++) {
          const n = sizes[i % sizes.length] ?? 1;
          h.parser.push(stream.subarray(at, at + n));
          at += n;
        }
        h.clock.advance(1000);
        expect(h.reads.map((r) => [r.lines, r.framing])).toEqual(docs.map(([d, f]) => [[...d], f]));
        expect(h.rejected).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on arbitrary bytes and never claims more bytes than it was given', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), fc.constantFrom<FramingMode>('auto', 'cr', 'stx-etx', '3m'), (chunks, mode) => {
        const h = harness(mode);
        let total = 0;
        for (const c of chunks) {
          total += c.length;
          h.parser.push(c);
          if (c.length % 5 === 0) h.clock.advance(100);
        }
        h.clock.advance(1000);
        const claimed = [...h.reads, ...h.rejected].reduce((s, r) => s + r.byteCount, 0);
        expect(claimed).toBeLessThanOrEqual(total);
        expect(h.parser.idle).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('reads the document after any run of garbage that holds no framing bytes', () => {
    // Framing bytes excluded: SOH STX ETX LF CR `_`, and 0E/1E, which before STX mean an Access-IS
    // magnetic-stripe/barcode message.
    const framingBytes = [0x01, 0x02, 0x03, 0x0a, 0x0d, 0x0e, 0x1e, 0x5f];
    const garbageByte = fc.integer({ min: 0, max: 255 }).filter((b) => !framingBytes.includes(b) && !/[A-Z0-9<]/.test(String.fromCharCode(b)));
    fc.assert(
      fc.property(fc.array(garbageByte, { minLength: 1, maxLength: 40 }), fc.constantFrom<SimulatedFraming>('cr', 'crlf', 'stx-etx', '3m'), (garbage, f) => {
        const h = harness();
        h.parser.push(Buffer.concat([Buffer.from(garbage), encodeRead(TD3_SPECIMEN, f)]));
        h.clock.advance(1000);
        expect(h.reads.map((r) => r.lines)).toEqual([[...TD3_SPECIMEN]]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('FrameParser: inter-byte timeout', () => {
  it('delivers a read whose last terminator was lost once the line has been silent for the timeout', () => {
    const h = harness('auto', 80);
    h.parser.push(ascii(`${TD3_L1}\r${TD3_L2}`)); // the final CR never comes
    h.clock.advance(79);
    expect(h.reads).toEqual([]);
    h.clock.advance(1);
    expect(h.reads).toEqual([
      { lines: [...TD3_SPECIMEN], framing: 'cr', byteCount: 89, receivedAt: 1000, complete: true, endedBy: 'timeout' },
    ]);
    expect(h.rejected).toEqual([]);
  });

  it('restarts the timeout on every chunk, so a slow reader is not cut off', () => {
    const h = harness('auto', 80);
    const bytes = encodeRead(TD3_SPECIMEN, 'stx-etx');
    for (const b of bytes) {
      h.parser.push(Buffer.of(b));
      h.clock.advance(50);
    }
    expect(h.reads.map((r) => [r.endedBy, r.lines])).toEqual([['terminator', [...TD3_SPECIMEN]]]);
    expect(h.reads[0]?.receivedAt).toBe(1000 + 50 * (bytes.length - 1));
  });

  it('rejects an STX read cut by a real silence (one of two lines and a partial line): a rejection, never a scan without a document', () => {
    const h = harness('auto', 80);
    h.parser.push(Buffer.concat([Buffer.of(0x02), ascii(`${TD3_L1}\r${TD3_L2.slice(0, 20)}`)]));
    h.clock.advance(80);
    expect(h.reads).toEqual([]);
    expect(h.rejected).toEqual([
      { code: 'PARTIAL_LINE', reason: 'partial line of 20 characters discarded after 80 ms without a byte', byteCount: 20 },
      { code: 'INCOMPLETE_READ', reason: 'read cut after 1 of 2 lines by 80 ms without a byte', byteCount: 46 },
    ]);
  });

  it('a timer held up by a stalled loop reads the bytes that arrived meanwhile before judging the silence', () => {
    const h = harness('cr', 80);
    h.parser.push(ascii(`${TD3_L1}\r${TD3_L2.slice(0, 10)}`));
    // The loop stalls 500 ms: the timer (due at +80) runs only at +500, before the backlog is delivered.
    const timer = [...h.clock.timers.values()][0];
    h.clock.timers.clear();
    h.clock.t += 500;
    timer?.fn();
    expect(h.rejected).toEqual([]);
    // The backlog (the rest of the read) is delivered in the same turn of the loop.
    h.parser.push(ascii(`${TD3_L2.slice(10)}\r`));
    h.clock.advance(500);
    expect(h.rejected).toEqual([]);
    expect(h.reads.map((r) => r.lines)).toEqual([[TD3_L1, TD3_L2]]);
  });

  it('reports a read dropped by discard() (reader unplugged mid-read) and starts clean', () => {
    const h = harness();
    h.parser.push(ascii(`${TD3_L1}\r${TD3_L2.slice(0, 5)}`));
    h.parser.discard('reader disconnected mid-read');
    expect(h.rejected).toEqual([{ code: 'INTERRUPTED', reason: 'reader disconnected mid-read', byteCount: 50 }]);
    expect(h.parser.idle).toBe(true);
    expect(h.clock.timers.size).toBe(0);
    h.parser.push(encodeRead(TD3_SPECIMEN, 'cr'));
    expect(h.reads.map((r) => r.lines)).toEqual([[...TD3_SPECIMEN]]);
  });
});
