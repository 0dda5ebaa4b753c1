import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EscPosCommand, EscPosCommandParser } from './escpos-command-parser.ts';
import { encodeReceipt } from './receipt-encoder.ts';
import { sampleReceipt } from './sample-receipt.ts';

const ops = (cmds: EscPosCommand[]) => cmds.map((c) => c.op);

describe('EscPosCommandParser (host → printer, simulator side)', () => {
  const job = encodeReceipt(sampleReceipt('ZLMC1:ZLMC-2025-004217:sig'), { paperWidth: 58 });

  it('understands every command the encoder emits for a full receipt (nothing unknown)', () => {
    const cmds = new EscPosCommandParser().push(job);
    expect(cmds.filter((c) => c.op === 'unknown')).toEqual([]);
    expect(ops(cmds)).toEqual(expect.arrayContaining(['init', 'font', 'codepage', 'align', 'bold', 'size', 'text', 'lf', 'raster', 'qr-model', 'qr-size', 'qr-ecc', 'qr-store', 'qr-print', 'cut']));
    const store = cmds.find((c) => c.op === 'qr-store');
    expect(store && Buffer.from(store.data).toString('latin1')).toBe('ZLMC1:ZLMC-2025-004217:sig');
  });

  it('gives the same commands when the job arrives one byte at a time', () => {
    const whole = new EscPosCommandParser().push(job);
    const p = new EscPosCommandParser();
    const pieces: EscPosCommand[] = [];
    for (const b of job) pieces.push(...p.push(Uint8Array.of(b)));
    // Text runs may be split by chunking; compare with text merged.
    const merge = (cmds: EscPosCommand[]) =>
      cmds.reduce<unknown[]>((acc, c) => {
        const last = acc.at(-1);
        const text = c.op === 'text' ? Buffer.from(c.bytes).toString('latin1') : undefined;
        if (text !== undefined && typeof last === 'string') acc[acc.length - 1] = last + text;
        else acc.push(text ?? c);
        return acc;
      }, []);
    expect(merge(pieces)).toEqual(merge(whole));
    expect(p.pending).toBe(0);
  });

  it('skips an unknown ESC command by its two-byte prefix and keeps parsing', () => {
    const cmds = new EscPosCommandParser().push(Uint8Array.of(0x1b, 0xff, 0x41, 0x42, 0x0a, 0x1b, 0x45, 0x01));
    expect(cmds).toEqual([
      { op: 'unknown', bytes: Uint8Array.of(0x1b, 0xff) },
      { op: 'text', bytes: Uint8Array.of(0x41, 0x42) },
      { op: 'lf' },
      { op: 'bold', on: true },
    ]);
  });

  it('does not stall on a raster header claiming an absurd size', () => {
    const cmds = new EscPosCommandParser().push(Uint8Array.of(0x1d, 0x76, 0x30, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0a));
    expect(cmds[0]).toEqual({ op: 'unknown', bytes: Uint8Array.of(0x1d, 0x76) });
    expect(cmds.at(-1)).toEqual({ op: 'lf' });
  });

  it('recognises DLE EOT n and the DLE DC4 8 clear-buffers sequence', () => {
    const cmds = new EscPosCommandParser().push(Uint8Array.of(0x10, 0x04, 0x04, 0x10, 0x14, 0x08, 0x01, 0x03, 0x14, 0x01, 0x06, 0x02, 0x08));
    expect(cmds).toEqual([{ op: 'status-request', n: 4 }, { op: 'clear-buffers' }]);
  });

  it('never throws on random bytes in random chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 30 }), (chunks) => {
        const p = new EscPosCommandParser();
        for (const c of chunks) p.push(c);
      }),
    );
  });
});
