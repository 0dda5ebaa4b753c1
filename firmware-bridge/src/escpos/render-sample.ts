/**
 * Renders the sample receipt through encoder → command parser → renderer, no printer or
 * pty involved: `npx tsx firmware-bridge/src/escpos/render-sample.ts out.png [58|80]`.
 */
import { writeFileSync } from 'node:fs';
import { EscPosCommandParser } from './escpos-command-parser.ts';
import { encodeReceipt } from './receipt-encoder.ts';
import { ReceiptRenderer } from './receipt-renderer.ts';
import { PAPER } from './receipt-document.ts';
import { sampleReceipt } from './sample-receipt.ts';

const out = process.argv[2] ?? 'receipt.png';
const paperWidth = process.argv[3] === '58' ? 58 : 80;
const bytes = encodeReceipt(sampleReceipt('ZLMC1:ZLMC-2025-004217:MEUCIQDx3Yf0k8'), { paperWidth });
const renderer = new ReceiptRenderer(PAPER[paperWidth].dots);
for (const cmd of new EscPosCommandParser().push(bytes)) {
  const receipt = renderer.apply(cmd);
  if (receipt) {
    writeFileSync(out, receipt.png);
    console.log(receipt.text);
  }
}
