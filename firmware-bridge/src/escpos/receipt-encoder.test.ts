import { describe, expect, it } from 'vitest';
import { isApplianceError } from '@lmc/core/errors.ts';
import type { ReceiptDocument } from './receipt-document.ts';
import { encodeReceipt } from './receipt-encoder.ts';

/** Hex dump with comments: on each line, the leading two-digit hex tokens are bytes, the rest is comment. */
const hex = (s: string) =>
  Uint8Array.from(
    s.split('\n').flatMap((line) => {
      const tokens = line.trim().split(/\s+/);
      const end = tokens.findIndex((t) => !/^[0-9a-f]{2}$/.test(t));
      return (end < 0 ? tokens : tokens.slice(0, end)).filter(Boolean).map((h) => Number.parseInt(h, 16));
    }),
  );
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex').match(/../g)?.join(' ') ?? '';

describe('encodeReceipt (ESC/POS via @point-of-sale/receipt-printer-encoder)', () => {
  it('encodes a small receipt to exactly these bytes', () => {
    const doc: ReceiptDocument = {
      blocks: [
        { kind: 'text', text: 'ZLMC', align: 'center', bold: true, size: 2 },
        { kind: 'text', text: 'Ref A1' },
        { kind: 'qr', data: 'AB', moduleSize: 4, ecc: 'M' },
        { kind: 'image', width: 8, height: 2, pixels: Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1, 1, 1, 0) },
        { kind: 'feed', lines: 1 },
        { kind: 'cut' },
      ],
    };
    const expected = hex(`
      1b 40                    ESC @        initialise
      1c 2e                    FS .         cancel Kanji mode (encoder's initialize)
      1b 4d 00                 ESC M 0      font A (12x24)
      20 20 20 20 20 20 20 20 20 20 20 20   centring is done by padding: (32 - 2x4) / 2 = 12 spaces
      1b 45 01                 ESC E 1      bold on
      1d 21 11                 GS ! 0x11    double width and height
      1b 74 00                 ESC t 0      code page PC437, sent before the first text
      5a 4c 4d 43              "ZLMC"
      1b 45 00  1d 21 00       bold off, size 1x1 (style restored at end of line)
      0a                       LF
      1b 45 01 1d 21 11 1b 45 00 1d 21 00   encoder replays the previous line's style, then resets it
      52 65 66 20 41 31        "Ref A1"
      0a                       LF
      0a                       blank line above the QR (quiet zone)
      1b 61 01                 ESC a 1      centre the block
      1d 28 6b 04 00 31 41 32 00   GS ( k fn 165: model 2
      1d 28 6b 03 00 31 43 04      GS ( k fn 167: module size 4 dots
      1d 28 6b 03 00 31 45 31      GS ( k fn 169: error correction M (0x31)
      1d 28 6b 05 00 31 50 30 41 42   GS ( k fn 180: store "AB" (pL = 2 + 3)
      1d 28 6b 03 00 31 51 30      GS ( k fn 181: print the symbol
      0a                       LF after the block
      1b 61 00                 ESC a 0      back to left
      1b 61 01                 ESC a 1      centre the image
      1d 76 30 00 01 00 08 00  GS v 0, mode 0, 1 byte wide, 8 rows (height padded to a multiple of 8)
      81 7e 00 00 00 00 00 00  rows: 10000001, 01111110, then white padding
      0a  1b 61 00             LF after the block, back to left
      0a                       feed 1 line
      0a 0a                    feed before cut (2 lines here)
      1d 56 01                 GS V 1       partial cut
      0a                       the encoder ends the cut line with LF
    `);
    expect(toHex(encodeReceipt(doc, { paperWidth: 58, feedBeforeCut: 2 }))).toBe(toHex(expected));
  });

  it('sends QR codes with GS ( k and never as a raster image', () => {
    const bytes = Buffer.from(encodeReceipt({ blocks: [{ kind: 'qr', data: 'ZLMC1:signed-payload' }] }, { paperWidth: 80 }));
    expect(bytes.includes(Buffer.from('1d286b', 'hex'))).toBe(true);
    expect(bytes.includes(Buffer.from('1d7630', 'hex'))).toBe(false);
    // default module size 6, default error correction M
    expect(bytes.includes(Buffer.from('1d286b0300314306', 'hex'))).toBe(true);
    expect(bytes.includes(Buffer.from('1d286b0300314531', 'hex'))).toBe(true);
  });

  it('wraps text at 32 columns on 58 mm paper and 48 on 80 mm', () => {
    const text = 'x'.repeat(40);
    const lines = (paperWidth: 58 | 80) =>
      Buffer.from(encodeReceipt({ blocks: [{ kind: 'text', text }] }, { paperWidth }))
        .toString('latin1')
        .split('\n')
        .map((l) => l.replace(/[^x]/g, ''))
        .filter(Boolean);
    expect(lines(58).map((l) => l.length)).toEqual([32, 8]);
    expect(lines(80).map((l) => l.length)).toEqual([40]);
  });

  it('selects the requested code page and encodes accents in it', () => {
    const bytes = Buffer.from(encodeReceipt({ blocks: [{ kind: 'text', text: 'Chloé' }] }, { paperWidth: 80, codepage: 'windows1252' }));
    expect(bytes.includes(Buffer.from([0x1b, 0x74, 16, 0x43, 0x68, 0x6c, 0x6f, 0xe9]))).toBe(true);
  });

  it.each([
    ['an image wider than the paper', { kind: 'image', width: 400, height: 1, pixels: new Uint8Array(400) }],
    ['image pixels of the wrong length', { kind: 'image', width: 8, height: 2, pixels: new Uint8Array(3) }],
    ['a QR code wider than the paper', { kind: 'qr', data: 'x'.repeat(600), moduleSize: 8 }],
    ['QR data outside ISO 8859-1', { kind: 'qr', data: 'signed ✓' }],
    ['an unknown block kind', { kind: 'barcode', data: '123' }],
    ['a text size of 3', { kind: 'text', text: 'x', size: 3 }],
  ])('refuses %s with RECEIPT_DOCUMENT_INVALID', (_name, block) => {
    const err = (() => {
      try {
        encodeReceipt({ blocks: [block as never] }, { paperWidth: 58 });
      } catch (e) {
        return e;
      }
    })();
    expect(isApplianceError(err, 'RECEIPT_DOCUMENT_INVALID')).toBe(true);
  });
});
