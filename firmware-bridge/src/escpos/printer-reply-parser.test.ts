import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PrinterReply, PrinterReplyParser } from './printer-reply-parser.ts';

const shape = (replies: PrinterReply[]) =>
  replies.map((r) => (r.kind === 'realtime' ? `rt:${r.byte.toString(16)}` : `${r.kind}:${Buffer.from(r.bytes).toString('hex')}`));

describe('PrinterReplyParser (printer → host bytes)', () => {
  it('reports DLE EOT answers one by one', () => {
    expect(shape(new PrinterReplyParser().push(Uint8Array.of(0x12, 0x1e, 0x72)))).toEqual(['rt:12', 'rt:1e', 'rt:72']);
  });

  it('assembles an ASB message split across chunks, between DLE EOT answers', () => {
    const p = new PrinterReplyParser();
    expect(shape(p.push(Uint8Array.of(0x12, 0x38, 0x00)))).toEqual(['rt:12']);
    expect(shape(p.push(Uint8Array.of(0x0c, 0x00, 0x16)))).toEqual(['asb:38000c00', 'rt:16']);
  });

  it('skips garbage and resynchronises on the next valid byte', () => {
    const p = new PrinterReplyParser();
    // 0xff and 0x11 (XON) fit neither shape; 0x10 starts an ASB that a DLE EOT answer (0x12) breaks.
    const out = shape(p.push(Uint8Array.of(0xff, 0x11, 0x12, 0x10, 0x00, 0x12, 0x10, 0x00, 0x00, 0x00)));
    expect(out).toEqual(['garbage:ff11', 'rt:12', 'garbage:1000', 'rt:12', 'asb:10000000']);
    expect(p.garbageBytes).toBe(4);
  });

  it('never throws and accounts for every byte, whatever arrives in whatever chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 20 }), (chunks) => {
        const p = new PrinterReplyParser();
        let seen = 0;
        for (const chunk of chunks) {
          for (const r of p.push(chunk)) seen += r.kind === 'realtime' ? 1 : r.bytes.length;
        }
        const total = chunks.reduce((n, c) => n + c.length, 0);
        expect(total - seen).toBeGreaterThanOrEqual(0);
        expect(total - seen).toBeLessThanOrEqual(3); // at most a half-received ASB is held back
      }),
    );
  });
});
