import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import QRCode from 'qrcode';
import { EscPosCommandParser } from '@lmc/firmware-bridge/escpos/escpos-command-parser.ts';
import { PAPER } from '@lmc/firmware-bridge/escpos/receipt-document.ts';
import { encodeReceipt } from '@lmc/firmware-bridge/escpos/receipt-encoder.ts';
import { ReceiptRenderer } from '@lmc/firmware-bridge/escpos/receipt-renderer.ts';
import { decodeBarcodeImage } from '@lmc/appliance/barcodes/barcode-decoder.ts';
import { addNoise, greyToPng, placeOn, pngToGrey, rotate, unevenLight } from '@lmc/appliance/barcodes/test-images.ts';
import { registrationSlipPdf } from '@lmc/appliance/documents/registration-slip.ts';
import { startPrintingWithoutPrinter, testSigner, zimPassport } from '@lmc/appliance/printing/test-support.ts';
import { openApplianceStore } from '@lmc/appliance/schema.ts';
import { fmt, type Spread, spread } from './stats.ts';

/** The configured default (printing-config.ts); 8N1 framing: 10 bits on the wire per byte. */
const BAUD = 115200;
const PAPER_WIDTH = 80;


function time<T>(samples: number[], f: () => T): T {
  const t = performance.now();
  const out = f();
  samples.push(performance.now() - t);
  return out;
}

export interface ReceiptsBench {
  receiptBytes: number;
  wireMs: number;
  render: Spread;
  appliance: Spread;
  applianceWithCommit: Spread;
  slip: Spread;
  decodeClean: Spread;
  decodePhoto: Spread;
  decodeNone: Spread;
}

/**
 * The appliance's share of "finalize → receipt printing" against the printer's share (the bytes on the
 * serial line), on a real SQLite store with a real Ed25519 key. The queue is stopped so nothing is
 * sent: what is timed is exactly what the appliance does before the first byte goes out.
 */
export async function benchReceipts(receipts = 150, slips = 40, decodes = 25): Promise<ReceiptsBench> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-receipts-'));
  const store = openApplianceStore({ dataDir: dir });
  const signer = testSigner();
  const printing = await startPrintingWithoutPrinter(store, { signer });
  await printing.queue.stop(); // the worker would render again and fail on the absent printer: keep it out of the timing
  const appliance: number[] = [];
  const withCommit: number[] = [];
  const render: number[] = [];
  const slip: number[] = [];
  let bytes: Uint8Array = new Uint8Array();
  let lastId = '';
  try {
    for (let i = 0; i < receipts; i++) {
      const r = store.registrations.create({ officeCode: 'BBR', officerId: 'BBR-017' });
      store.registrations.attachDocument(r.id, zimPassport({ documentNumber: `FN${String(100000 + i)}`, lines: ['P<ZWEMOYO<<TENDAI<<<<<<<<<<<<<<<<<<<<<<<<<<<', `FN${String(100000 + i)}<4ZWE9503148M3001012<<<<<<<<<<<<<<02`] }) as never, 'BBR-017');
      const t0 = performance.now();
      store.registrations.finalize(r.id, 'BBR-017');
      const t1 = performance.now();
      // What the print button and the queue worker do: check + sign, durable job row, compose + sign, ESC/POS bytes.
      const { job } = printing.requestReceipt({ registrationId: r.id, language: 'en' });
      bytes = encodeReceipt(printing.renderReceipt(job), { paperWidth: PAPER_WIDTH });
      const t2 = performance.now();
      appliance.push(t2 - t1);
      withCommit.push(t2 - t0);
      lastId = r.id;
      if (i < 30) {
        // The simulator's side: parse the ESC/POS stream and draw the PNG.
        time(render, () => {
          const renderer = new ReceiptRenderer(PAPER[PAPER_WIDTH].dots);
          for (const cmd of new EscPosCommandParser().push(bytes)) renderer.apply(cmd);
        });
      }
    }
    const registration = store.registrations.get(lastId);
    if (!registration) throw new Error('bench registration vanished');
    for (let i = 0; i < slips; i++) {
      const t = performance.now();
      await registrationSlipPdf(printing.facts(registration), { fingerprints: null, generatedAt: new Date().toISOString(), deviceId: signer.deviceId });
      slip.push(performance.now() - t);
    }

    // 1280×960 phone photos: the receipt QR at 4 px a module, clean; askew, lit unevenly and noisy; and none at all.
    const qr = pngToGrey(await QRCode.toBuffer(printing.facts(registration).qr, { type: 'png', margin: 4, scale: 4, errorCorrectionLevel: 'M' }));
    const clean = greyToPng(placeOn(qr, 1280, 960, 500, 350));
    const photo = greyToPng(addNoise(unevenLight(placeOn(rotate(qr, 8), 1280, 960, 480, 330)), 15, 0, 5));
    const none = greyToPng(addNoise(unevenLight({ data: new Uint8ClampedArray(1280 * 960).fill(255), width: 1280, height: 960 }), 15, 0, 6));
    const decode = (png: Buffer, n: number, expectRead: boolean): Spread => {
      const xs: number[] = [];
      for (let i = 0; i < n; i++) {
        time(xs, () => {
          try {
            decodeBarcodeImage(png);
            if (!expectRead) throw new Error('bench: read a code from an empty photo');
          } catch (err) {
            if (expectRead) throw err;
          }
        });
      }
      return spread(xs);
    };
    const decodeClean = decode(clean, decodes, true);
    const decodePhoto = decode(photo, decodes, true);
    const decodeNone = decode(none, Math.ceil(decodes / 3), false);
    return {
      receiptBytes: bytes.length,
      wireMs: (bytes.length * 10 * 1000) / BAUD,
      render: spread(render),
      appliance: spread(appliance),
      applianceWithCommit: spread(withCommit),
      slip: spread(slip),
      decodeClean,
      decodePhoto,
      decodeNone,
    };
  } finally {
    await printing.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatReceipts(b: ReceiptsBench): string[] {
  const ms = (d: Spread) => `${fmt(d.p50, 1)} / ${fmt(d.p99, 1)}`;
  const ratio = (d: Spread) => `${fmt(d.p50 / b.wireMs, 3)} / ${fmt(d.p99 / b.wireMs, 3)}`;
  return [
    `## Receipts (${PAPER_WIDTH} mm, English, real Ed25519 key and SQLite store; printer at ${BAUD} baud 8N1)`,
    '| step | p50 / p99 ms | vs wire time p50 / p99 |',
    '|---|---|---|',
    `| receipt on the wire: ${b.receiptBytes} bytes | ${fmt(b.wireMs, 1)} (floor) | 1.000 |`,
    `| appliance: check + sign + queue row + compose + sign + ESC/POS encode (goal < 100 ms) | ${ms(b.appliance)} | ${ratio(b.appliance)} |`,
    `| same, including the finalize commit (synchronous=FULL) | ${ms(b.applianceWithCommit)} | ${ratio(b.applianceWithCommit)} |`,
    `| simulator: parse ESC/POS + render PNG | ${ms(b.render)} | ${ratio(b.render)} |`,
    `| A4 registration slip PDF (pdfkit, with QR) | ${ms(b.slip)} | |`,
    `| QR decode, 1280×960 photo, code clean at 4 px/module | ${ms(b.decodeClean)} | |`,
    `| QR decode, 1280×960 photo, askew 8°, uneven light, noise | ${ms(b.decodePhoto)} | |`,
    `| no code in a 1280×960 photo (whole retry ladder, then 422) | ${ms(b.decodeNone)} | |`,
  ];
}
