import bwipjs from 'bwip-js';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { decodeQrFromPng } from '@lmc/firmware-bridge/escpos/decode-qr-png.ts';
import { composeReceipt } from '../printing/receipt-composer.ts';
import { receiptCatalogue } from '../printing/receipt-catalogue.ts';
import { receiptFacts } from '../printing/receipt-facts.ts';
import { signReceiptQr, verifyReceiptQr } from '../printing/receipt-signature.ts';
import { finalizedRegistration, renderOffline, testSigner } from '../printing/test-support.ts';
import { classifyBarcode, decodeBarcodeImage, decodeLuminance } from './barcode-decoder.ts';
import type { Luminance } from './image-luminance.ts';
import { addNoise, blur, greyToPng, pngToGrey, placeOn, rotate, scale, unevenLight } from './test-images.ts';

const signer = testSigner();
/** A real signed receipt QR: ~148 characters, a version-7 symbol like the printed ones. */
const RECEIPT = signReceiptQr({ registrationId: '6f1c7a52-3f5e-4a61-9d8e-2b7e4f0f9a10', officeCode: 'BBR', date: '2026-11-23' }, signer);
const AAMVA = '@\n\x1e\rANSI 636000090002DL00410278ZV03190008DLDAQT64235789\nDCSSAMPLE\nDACMICHAEL\n';

/** QR at 6 pixels a module with the standard 4-module quiet zone (ISO/IEC 18004 §6.3.8). */
const qrImage = async (text: string, px = 6): Promise<Luminance> =>
  pngToGrey(await QRCode.toBuffer(text, { type: 'png', margin: 4, scale: px, errorCorrectionLevel: 'M' }));
/** PDF417 at `px` pixels a module (bwip-js draws rows 3 modules tall, AAMVA-like). */
const pdf417Image = async (text: string, px = 3): Promise<Luminance> =>
  pngToGrey(await bwipjs.toBuffer({ bcid: 'pdf417', text, scale: px, paddingwidth: 10, paddingheight: 10 }));

/** Through PNG bytes, as an upload reaches the route: proves the image survives encoding too. */
const readUpload = (img: Luminance) => decodeBarcodeImage(greyToPng(img));

describe('barcode decoder: the camera spoils the image', () => {
  it.each([90, 180, 270])('reads a receipt QR turned by %i°', async (deg) => {
    expect(readUpload(rotate(await qrImage(RECEIPT), deg))).toEqual({ format: 'QR_CODE', text: RECEIPT });
  });

  it.each([-15, 10, 15, 45])('reads a receipt QR held askew by %i°', async (deg) => {
    expect(decodeLuminance(rotate(await qrImage(RECEIPT), deg)).text).toBe(RECEIPT);
  });

  it.each([90, 180, 270])('reads a PDF417 ID barcode turned by %i° (quarter turns are the decoder\'s retries)', async (deg) => {
    expect(decodeLuminance(rotate(await pdf417Image(AAMVA), deg))).toEqual({ format: 'PDF_417', text: AAMVA });
  });

  it.each([-12, 12])('reads a PDF417 ID barcode skewed by %i° (the decoder\'s ±10° deskew retry)', async (deg) => {
    expect(decodeLuminance(rotate(await pdf417Image(AAMVA), deg)).text).toBe(AAMVA);
  });

  it('reads codes scaled down to ~2.4 pixels a module, and says "not found" at 1.5', async () => {
    // 6 px/module × 0.4 = 2.4 px/module: readable. Around 2 px it depends on how the modules fall on
    // the pixel grid (measured: sometimes read, sometimes not); × 0.25 = 1.5 px: the modules merge.
    const qr = await qrImage(RECEIPT);
    expect(decodeLuminance(scale(qr, 0.4)).text).toBe(RECEIPT);
    expect(decodeLuminance(scale(await pdf417Image(AAMVA, 6), 0.4)).text).toBe(AAMVA); // 2.4 px/module
    expect(() => decodeLuminance(scale(qr, 0.25))).toThrow(expect.objectContaining({ code: 'BARCODE_NOT_FOUND' }));
  });

  it('reads a small code in a large 1280×960 photo', async () => {
    const photo = placeOn(await qrImage(RECEIPT, 4), 1280, 960, 700, 400);
    expect(readUpload(photo).text).toBe(RECEIPT);
  });

  it('reads codes through sensor noise and salt-and-pepper specks', async () => {
    expect(readUpload(addNoise(await qrImage(RECEIPT), 60, 0.03, 7)).text).toBe(RECEIPT);
    expect(readUpload(addNoise(await pdf417Image(AAMVA), 50, 0.01, 8)).text).toBe(AAMVA);
  });

  it('reads a photographed-style receipt QR: askew, uneven light, slightly out of focus, noisy', async () => {
    const photo = addNoise(blur(unevenLight(rotate(await qrImage(RECEIPT, 8), 8)), 1), 15, 0, 3);
    const decoded = classifyBarcode(readUpload(photo));
    expect(decoded).toMatchObject({ kind: 'receipt', text: RECEIPT });
    expect(verifyReceiptQr(decoded.text, { self: signer })).toMatchObject({ genuine: true });
  });

  it('fails a badly blurred photo with a coded "not found" that tells the officer what to do', async () => {
    const heavy = blur(await qrImage(RECEIPT), 4); // Gaussian σ ≈ 5 px on 6 px modules: the modules run together
    expect(() => readUpload(heavy)).toThrow(
      expect.objectContaining({ code: 'BARCODE_NOT_FOUND', message: expect.stringMatching(/no readable QR code or PDF417.*hold the code flat/) }),
    );
  });
});

describe('receipt QR read from an image', () => {
  it('a tampered receipt QR (date changed, signature kept) reads fine from the photo and fails verification', async () => {
    const [prefix, , sig] = RECEIPT.split('.') as [string, string, string];
    const otherDay = signReceiptQr({ registrationId: '6f1c7a52-3f5e-4a61-9d8e-2b7e4f0f9a10', officeCode: 'BBR', date: '2026-11-24' }, testSigner());
    const forged = `${prefix}.${otherDay.split('.')[1]}.${sig}`;
    const decoded = classifyBarcode(readUpload(rotate(await qrImage(forged), 90)));
    expect(decoded).toMatchObject({ kind: 'receipt', text: forged });
    expect(verifyReceiptQr(decoded.text, { self: signer })).toMatchObject({ genuine: false, reason: { code: 'RECEIPT_SIGNATURE_INVALID' } });
  });

  it('one ladder for both layers: the simulator-side decodeQrFromPng reads every one of 30 receipts at 5 dots a module', () => {
    // zxing alone misses ~1 in 10 of these (finder-pattern search on large modules); the shared
    // ladder's ½ and ⅓ scale retries read them all.
    const catalogue = receiptCatalogue('en');
    for (let i = 0; i < 30; i++) {
      const id = `6f1c7a52-3f5e-4a61-9d8e-${(0x2b7e4f0f9a10 + i * 7919).toString(16).padStart(12, '0')}`;
      const facts = receiptFacts(finalizedRegistration({ id }), { officeName: 'Beitbridge Labour Migration Centre', signer });
      const png = renderOffline(composeReceipt(facts, catalogue, { paperWidth: 80 })).png;
      expect(decodeQrFromPng(png)).toBe(facts.qr);
    }
  });

  it('decodeQrFromPng throws a coded error, not a zxing exception, when there is no QR', () => {
    expect(() => decodeQrFromPng(greyToPng({ data: new Uint8ClampedArray(200 * 100).fill(255), width: 200, height: 100 }))).toThrow(
      expect.objectContaining({ code: 'BARCODE_NOT_FOUND' }),
    );
  });
});
