import type { ReceiptDocument } from './receipt-document.ts';

/** A registration receipt as the appliance prints it; used by tests and the demo render. */
export function sampleReceipt(qrPayload: string): ReceiptDocument {
  const logo = zimbabweBird(96, 48);
  return {
    blocks: [
      { kind: 'image', ...logo },
      { kind: 'text', text: 'ZIMBABWE', align: 'center', bold: true, size: 2 },
      { kind: 'text', text: 'Labour Migration Centre', align: 'center', bold: true },
      { kind: 'text', text: 'Beitbridge Border Post', align: 'center' },
      { kind: 'text', text: '-'.repeat(32) },
      { kind: 'text', text: 'Registration  ZLMC-2025-004217' },
      { kind: 'text', text: 'Name          MOYO, TENDAI' },
      { kind: 'text', text: 'Document      P AB1234567' },
      { kind: 'text', text: 'Date          2025-03-14 09:41' },
      { kind: 'text', text: 'Officer       #0173' },
      { kind: 'text', text: '-'.repeat(32) },
      { kind: 'text', text: 'REGISTERED', align: 'center', bold: true, size: 2 },
      { kind: 'qr', data: qrPayload, moduleSize: 4, ecc: 'M' },
      { kind: 'text', text: 'Scan to verify this registration', align: 'center' },
      { kind: 'text', text: 'Keep this receipt safe.', align: 'right' },
      { kind: 'feed', lines: 1 },
      { kind: 'cut' },
    ],
  };
}

/** A simple emblem-like 1-bit picture (a ring with a bar), drawn in code so no file is needed. */
function zimbabweBird(width: number, height: number): { width: number; height: number; pixels: Uint8Array } {
  const pixels = new Uint8Array(width * height);
  const cx = width / 2;
  const cy = height / 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = Math.hypot((x - cx) / 2, y - cy);
      const ring = d > height / 2 - 5 && d < height / 2 - 1;
      const bar = Math.abs(y - cy) < 3 && Math.abs(x - cx) < width / 2 - 14;
      pixels[y * width + x] = ring || bar ? 1 : 0;
    }
  }
  return { width, height, pixels };
}
