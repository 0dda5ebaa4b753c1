import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeQrFromPng } from './decode-qr-png.ts';
import { EscPosCommandParser } from './escpos-command-parser.ts';
import { PAPER, type PaperWidth } from './receipt-document.ts';
import { encodeReceipt } from './receipt-encoder.ts';
import { type RenderedReceipt, ReceiptRenderer } from './receipt-renderer.ts';
import { sampleReceipt } from './sample-receipt.ts';

function render(bytes: Uint8Array, paperWidth: PaperWidth): RenderedReceipt[] {
  const r = new ReceiptRenderer(PAPER[paperWidth].dots);
  return new EscPosCommandParser()
    .push(bytes)
    .map((c) => r.apply(c))
    .filter((x): x is RenderedReceipt => x !== undefined);
}

describe('ReceiptRenderer (simulator print engine)', () => {
  const payload = 'ZLMC1:ZLMC-2025-004217:MEUCIQDx3Yf0k8bT2Q9:2025-03-14T09:41Z';

  it.each([58, 80] as const)('renders a %i mm receipt whose QR decodes to the exact payload', (paperWidth) => {
    const [receipt, ...rest] = render(encodeReceipt(sampleReceipt(payload), { paperWidth }), paperWidth);
    expect(rest).toEqual([]);
    expect(receipt).toBeDefined();
    const png = PNG.sync.read(receipt?.png as Buffer);
    expect(png.width).toBe(PAPER[paperWidth].dots + 64); // print head plus paper margins
    expect(decodeQrFromPng(receipt?.png as Buffer)).toBe(payload);
    expect(receipt?.text.split('\n').map((l) => l.trim())).toEqual(expect.arrayContaining(['ZIMBABWE', 'Name          MOYO, TENDAI', `[QR ${payload}]`]));
  });

  it('draws double-size bold text twice as wide and tall as normal text', () => {
    const inkWidth = (size: 1 | 2, bold: boolean) => {
      const [receipt] = render(encodeReceipt({ blocks: [{ kind: 'text', text: 'HH', size, bold }, { kind: 'cut' }] }, { paperWidth: 58 }), 58);
      const png = PNG.sync.read(receipt?.png as Buffer);
      let minX = Infinity;
      let maxX = -1;
      let rows = 0;
      for (let y = 0; y < png.height - 8; y++) {
        let rowInk = false;
        for (let x = 1; x < png.width - 1; x++) {
          if ((png.data[(y * png.width + x) * 4] ?? 255) < 128) {
            minX = Math.min(minX, x);
            maxX = Math.max(maxX, x);
            rowInk = true;
          }
        }
        if (rowInk) rows++;
      }
      return { width: maxX - minX + 1, rows };
    };
    const normal = inkWidth(1, false);
    const big = inkWidth(2, false);
    expect(big.width).toBeGreaterThanOrEqual(2 * normal.width - 2);
    expect(big.rows).toBe(2 * normal.rows);
    expect(inkWidth(1, true).width).toBe(normal.width + 1); // emphasized: each dot burnt again one to the right
  });

  it('returns nothing before the cut, and the cut produces the receipt', () => {
    const bytes = encodeReceipt({ blocks: [{ kind: 'text', text: 'no cut yet' }] }, { paperWidth: 80 });
    expect(render(bytes, 80)).toEqual([]);
  });
});
