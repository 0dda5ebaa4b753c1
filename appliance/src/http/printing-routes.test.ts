import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bwipjs from 'bwip-js';
import Fastify, { type FastifyInstance } from 'fastify';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMrz, parseMrz } from '@lmc/firmware-bridge/mrz/index.ts';
import { encodeJobOffer } from '../barcodes/job-offer.ts';
import type { PrintingService } from '../printing/printing-service.ts';
import { receiptCatalogue } from '../printing/receipt-catalogue.ts';
import { composeReceipt } from '../printing/receipt-composer.ts';
import { signReceiptQr } from '../printing/receipt-signature.ts';
import { renderOffline, startPrintingWithoutPrinter, testSigner } from '../printing/test-support.ts';
import type { Store } from '../store/index.ts';
import { openApplianceStore } from '../schema.ts';
import { barcodeRoutes } from './barcode-routes.ts';
import { documentRoutes } from './document-routes.ts';
import { createBarcodeReader } from '../barcodes/barcode-reader.ts';
import { registerErrorHandler } from './error-handler.ts';
import { printingRoutes } from './printing-routes.ts';

const NOW = new Date('2026-11-23T12:00:00Z');
const signer = testSigner();
const person = (documentNumber: string, surname: string, sex: 'M' | 'F', birthDate: string) =>
  generateMrz({ format: 'TD3', documentCode: 'P', issuingState: 'ZWE', nationality: 'ZWE', documentNumber, surname, givenNames: 'TENDAI', sex, birthDate, expiryDate: '300101' });

const pdftotext = (pdf: Buffer) => execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf }).toString('utf8');
function pdfFirstPagePng(pdf: Buffer, dir: string, name: string): Buffer {
  const input = join(dir, `${name}.pdf`);
  writeFileSync(input, pdf);
  execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', input, join(dir, name)]);
  return readFileSync(join(dir, `${name}.png`));
}

/** The printing, document and barcode plugins on their own app (no sign-in layer), real SQLite, printer absent. */
describe('printing, document and barcode routes (inject)', () => {
  let dir: string;
  let store: Store;
  let printing: PrintingService;
  let app: FastifyInstance;
  let moyo: string;

  const finalize = (lines: string[], officerId = 'BBR-017') => {
    const r = store.registrations.create({ officeCode: 'BBR', officerId });
    store.registrations.attachDocument(r.id, { ...parseMrz(lines, { now: NOW }) }, officerId);
    return store.registrations.finalize(r.id, officerId).id;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'print-routes-'));
    store = openApplianceStore({ dataDir: dir, now: () => NOW });
    printing = await startPrintingWithoutPrinter(store, { signer });
    app = Fastify({ logger: false });
    registerErrorHandler(app);
    const reader = createBarcodeReader();
    app.addHook('onClose', () => reader.close());
    await app.register(printingRoutes, { printing, reader });
    await app.register(documentRoutes, { store, printing, officeCode: 'BBR', now: () => NOW });
    await app.register(barcodeRoutes, { reader, verifyReceipt: (qr) => printing.verify(qr), now: () => NOW });
    moyo = finalize(person('FN123456', 'MOYO', 'M', '950314'));
    finalize(person('FN223344', 'NCUBE', 'F', '000102'));
    finalize(person('FN998877', 'DUBE', 'F', '100505')); // a minor
  });
  afterAll(async () => {
    await app.close();
    await printing.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (url: string, payload: Buffer | object, type = 'image/png') =>
    Buffer.isBuffer(payload)
      ? app.inject({ method: 'POST', url, payload, headers: { 'content-type': type } })
      : app.inject({ method: 'POST', url, payload });

  describe('receipt verification', () => {
    it('confirms a genuine QR text and shows the local record, masked', async () => {
      const qr = printing.facts(store.registrations.get(moyo) as never).qr;
      const res = await post('/api/receipts/verify', { qr });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        genuine: true,
        signedBy: 'this-appliance',
        claims: { registrationId: moyo, officeCode: 'BBR', date: '2026-11-23' },
        record: { name: 'MOYO, TENDAI', documentNumberMasked: 'F****456', officeCode: 'BBR', status: 'finalized' },
      });
    });

    it('verifies a photo of the printed receipt (PNG and JPEG) by reading its QR with zxing', async () => {
      const facts = printing.facts(store.registrations.get(moyo) as never);
      const png = renderOffline(composeReceipt(facts, receiptCatalogue('en'), { paperWidth: 80 })).png;
      const fromPng = await post('/api/receipts/verify', png);
      expect(fromPng.statusCode).toBe(200);
      expect(fromPng.json()).toMatchObject({ genuine: true, record: { name: 'MOYO, TENDAI' } });
      const img = PNG.sync.read(png);
      const jpg = jpeg.encode({ data: img.data, width: img.width, height: img.height }, 85).data;
      const fromJpeg = await post('/api/receipts/verify', Buffer.from(jpg), 'image/jpeg');
      expect(fromJpeg.json()).toMatchObject({ genuine: true });
    });

    it('answers "not genuine" with the reason for a forged date, an unknown appliance and a foreign code', async () => {
      const genuine = printing.facts(store.registrations.get(moyo) as never).qr;
      const [prefix, , sig] = genuine.split('.');
      const otherBody = signReceiptQr({ registrationId: moyo, officeCode: 'BBR', date: '2026-11-22' }, testSigner(signer.deviceId)).split('.')[1];
      const forged = await post('/api/receipts/verify', { qr: `${prefix}.${otherBody}.${sig}` });
      expect(forged.json()).toMatchObject({ genuine: false, reason: { code: 'RECEIPT_SIGNATURE_INVALID' }, record: null });
      const stranger = signReceiptQr({ registrationId: moyo, officeCode: 'BBR', date: '2026-11-23' }, testSigner('apl-stranger'));
      expect((await post('/api/receipts/verify', { qr: stranger })).json()).toMatchObject({ genuine: false, reason: { code: 'RECEIPT_SIGNER_UNKNOWN' } });
      expect((await post('/api/receipts/verify', { qr: 'hello' })).json()).toMatchObject({ genuine: false, reason: { code: 'RECEIPT_QR_NOT_A_RECEIPT' } });
    });

    it('rejects a body without qr with 400', async () => {
      const res = await post('/api/receipts/verify', { code: 'x' });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'BAD_REQUEST' });
    });
  });

  describe('barcode decoding', () => {
    it('reads a job-offer QR and parses its fields, marked unverified', async () => {
      const text = encodeJobOffer({
        employerRegistration: 'LP-2231',
        employerName: 'Tshipise Citrus (Pty) Ltd; Musina',
        position: 'Farm worker',
        expires: '2027-01-31',
        location: 'Musina, Limpopo',
        reference: 'OF-0042',
      });
      const png = await QRCode.toBuffer(text, { type: 'png', margin: 4, scale: 4 });
      const res = await post('/api/barcodes/decode', png);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        format: 'QR_CODE',
        kind: 'job-offer',
        jobOffer: { ok: true, expired: false, offer: { employerName: 'Tshipise Citrus (Pty) Ltd; Musina', position: 'Farm worker', reference: 'OF-0042' } },
        unverified: expect.stringMatching(/not signed/),
      });
    });

    it('reads a receipt QR and verifies it in the same answer', async () => {
      const qr = printing.facts(store.registrations.get(moyo) as never).qr;
      const res = await post('/api/barcodes/decode', await QRCode.toBuffer(qr, { type: 'png', margin: 4, scale: 3, errorCorrectionLevel: 'M' }));
      expect(res.json()).toMatchObject({ kind: 'receipt', receipt: { genuine: true, record: { name: 'MOYO, TENDAI' } } });
    });

    it('reads a PDF417 identity barcode (generated with bwip-js) and recognises AAMVA data', async () => {
      const aamva = '@\n\x1e\rANSI 636000090002DL00410278ZV03190008DLDAQT64235789\nDCSSAMPLE\nDACMICHAEL\n';
      const png = await bwipjs.toBuffer({ bcid: 'pdf417', text: aamva, scale: 2, paddingwidth: 10, paddingheight: 10 });
      const res = await post('/api/barcodes/decode', png);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ format: 'PDF_417', kind: 'identity-document', standard: 'aamva', text: aamva });
    });

    it('answers bad uploads with a clear 4xx, never a 500', async () => {
      const garbage = await post('/api/barcodes/decode', Buffer.from('definitely not an image'));
      expect(garbage.statusCode).toBe(400);
      expect(garbage.json()).toMatchObject({ code: 'BARCODE_IMAGE_INVALID', message: expect.stringMatching(/not a PNG or JPEG/) });

      const qr = await QRCode.toBuffer('x', { type: 'png' });
      const truncated = await post('/api/barcodes/decode', qr.subarray(0, qr.length - 40));
      expect(truncated.statusCode).toBe(400);
      expect(truncated.json()).toMatchObject({ code: 'BARCODE_IMAGE_INVALID', message: expect.stringMatching(/damaged or truncated/) });

      const badJpeg = await post('/api/barcodes/decode', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), 'image/jpeg');
      expect(badJpeg.statusCode).toBe(400);

      const blank = new PNG({ width: 200, height: 200 });
      blank.data.fill(255);
      const none = await post('/api/barcodes/decode', PNG.sync.write(blank));
      expect(none.statusCode).toBe(422);
      expect(none.json()).toMatchObject({ code: 'BARCODE_NOT_FOUND' });

      const empty = await post('/api/barcodes/decode', Buffer.alloc(0));
      expect(empty.statusCode).toBeGreaterThanOrEqual(400);
      expect(empty.statusCode).toBeLessThan(500);

      const wrongType = await app.inject({ method: 'POST', url: '/api/barcodes/decode', payload: 'x', headers: { 'content-type': 'text/plain' } });
      expect(wrongType.statusCode).toBe(415);
    });
  });

  describe('PDF documents', () => {
    it('renders the A4 slip with extractable text: name, office, masked number, consent, what is not on record', async () => {
      const res = await app.inject({ method: 'GET', url: `/api/registrations/${moyo}/slip.pdf` });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      const text = pdftotext(res.rawPayload);
      expect(text).toContain('MOYO, TENDAI');
      expect(text).toContain('Beitbridge Labour Migration Centre');
      expect(text).toContain('F****456');
      expect(text).not.toContain('FN123456');
      // Finalized below the HTTP layer: no details, prints or consent on record, and the slip says so.
      expect(text).toMatch(/No fingerprints are recorded for this registration/);
      expect(text).toMatch(/No details are recorded for this registration/);
      expect(text).toMatch(/Consent/);
      expect(text).toMatch(/Signature or thumbprint of the migrant/);
      const page = PNG.sync.read(pdfFirstPagePng(res.rawPayload, dir, 'slip'));
      expect(page.width).toBeLessThan(page.height); // A4 portrait
    });

    it('refuses the slip for an unknown or unfinished registration', async () => {
      expect((await app.inject({ method: 'GET', url: '/api/registrations/6f1c7a52-3f5e-4a61-9d8e-2b7e4f0f9a10/slip.pdf' })).statusCode).toBe(404);
      const draft = store.registrations.create({ officeCode: 'BBR', officerId: 'BBR-017' });
      expect((await app.inject({ method: 'GET', url: `/api/registrations/${draft.id}/slip.pdf` })).statusCode).toBe(409);
    });

    it('renders the daily report with counts by sex and age group and honest "not recorded" buckets', async () => {
      const res = await app.inject({ method: 'GET', url: '/api/reports/daily.pdf?date=2026-11-23' });
      expect(res.statusCode).toBe(200);
      const text = pdftotext(res.rawPayload);
      expect(text).toMatch(/Registrations finalized: 3/);
      expect(text).toMatch(/female\s+2/);
      expect(text).toMatch(/male\s+1/);
      expect(text).toMatch(/under 18\s+1/);
      expect(text).toMatch(/18-24\s+0/);
      expect(text).toMatch(/25-34\s+2/);
      expect(text).toMatch(/By district of origin\s+not recorded\s+3/);
      expect(text).toMatch(/By intended occupation\s+not recorded\s+3/);
      expect(text).not.toContain('MOYO');
      const empty = pdftotext((await app.inject({ method: 'GET', url: '/api/reports/daily.pdf?date=2026-11-20' })).rawPayload);
      expect(empty).toMatch(/Registrations finalized: 0/);
      expect(PNG.sync.read(pdfFirstPagePng(res.rawPayload, dir, 'report')).height).toBeGreaterThan(0);
    });

    it('rejects an impossible report date with 400', async () => {
      const res = await app.inject({ method: 'GET', url: '/api/reports/daily.pdf?date=2026-02-30' });
      expect(res.statusCode).toBe(400);
    });
  });

  describe('print jobs', () => {
    it('queues a receipt, fails it while no printer is configured, and refuses a reprint of an unknown job', async () => {
      const res = await post(`/api/registrations/${moyo}/receipt`, { language: 'nd' });
      expect(res.statusCode).toBe(202);
      const job = res.json() as { id: string };
      await printing.queue.idle();
      const read = await app.inject({ method: 'GET', url: `/api/print-jobs/${job.id}` });
      expect(read.json()).toMatchObject({ status: 'failed', language: 'nd', lastError: { code: 'PRINTER_ABSENT' } });
      expect((await post('/api/print-jobs/6f1c7a52-3f5e-4a61-9d8e-2b7e4f0f9a10/reprint', {})).statusCode).toBe(404);
      expect((await post(`/api/registrations/${moyo}/receipt`, { language: 'xx' })).statusCode).toBe(400);
      expect((await post('/api/simulator/printer', { paperOut: true })).statusCode).toBe(409);
    });
  });
});
