import { describe, expect, it } from 'vitest';
import { decodeBarcodeImage } from '../barcodes/barcode-decoder.ts';

/** zxing, as a verifier's phone reads the paper (the appliance's own multi-scale decoder). */
const decodeQrFromPng = (png: Buffer): string => decodeBarcodeImage(png).text;
import { receiptCatalogue, RECEIPT_LANGUAGES } from './receipt-catalogue.ts';
import { composeReceipt, printable, wrap } from './receipt-composer.ts';
import { maskDocumentNumber, receiptFacts, registrationNumber } from './receipt-facts.ts';
import { decodeClaims, encodeClaims, signReceiptQr, verifyReceiptQr } from './receipt-signature.ts';
import { finalizedRegistration, renderOffline, testSigner } from './test-support.ts';

const signer = testSigner();
const ctx = { officeName: 'Beitbridge Labour Migration Centre', signer };

describe('receipt facts', () => {
  it('masks the document number, keeping the first character and the last three at most, hiding at least half', () => {
    expect(maskDocumentNumber('FN123456')).toBe('F****456');
    expect(maskDocumentNumber('L898902C3')).toBe('L*****2C3');
    expect(maskDocumentNumber('AB12345')).toBe('A****45');
    expect(maskDocumentNumber('AB123')).toBe('A***3');
    expect(maskDocumentNumber('X12')).toBe('**2');
    expect(maskDocumentNumber('D23145890<<')).toBe('D*****890');
    for (const n of ['FN123456', 'L898902C3', 'AB12345', 'AB123', 'X12', 'ZE1842262B1']) {
      const m = maskDocumentNumber(n);
      expect(m).toHaveLength(n.length);
      expect([...m].filter((c) => c === '*').length).toBeGreaterThanOrEqual(n.length / 2);
    }
  });

  it('derives a stable short registration number in Crockford base32 from the UUID', () => {
    const n = registrationNumber('BBR', '6f1c7a52-3f5e-4a61-9d8e-2b7e4f0f9a10');
    expect(n).toMatch(/^BBR-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(registrationNumber('BBR', '6f1c7a52-3f5e-4a61-9d8e-2b7e4f0f9a10')).toBe(n);
    expect(registrationNumber('BBR', '6f1c7a53-3f5e-4a61-9d8e-2b7e4f0f9a10')).not.toBe(n);
  });

  it('dates the receipt in the office time zone (Harare, UTC+2), also across midnight UTC', () => {
    const f = receiptFacts(finalizedRegistration({ finalizedAt: '2026-11-23T22:30:00.000Z' }), ctx);
    expect(f.dateTime).toBe('2026-11-24 00:30');
    expect(verifyReceiptQr(f.qr, { self: signer })).toMatchObject({ genuine: true, claims: { date: '2026-11-24' } });
  });

  it('refuses a registration that is not finalized', () => {
    expect(() => receiptFacts(finalizedRegistration({ status: 'captured', finalizedAt: null }), ctx)).toThrow(
      expect.objectContaining({ code: 'REGISTRATION_NOT_FINALIZED' }),
    );
  });
});

describe('receipt QR signature', () => {
  const claims = { registrationId: '6f1c7a52-3f5e-4a61-9d8e-2b7e4f0f9a10', officeCode: 'BBR', date: '2026-11-23' };

  it('round-trips the claims through the compact binary body', () => {
    const body = encodeClaims({ ...claims, deviceId: 'apl-0123456789ab' });
    expect(body.length).toBe(16 + 4 + 1 + 3 + 1 + 16);
    expect(decodeClaims(body)).toEqual({ ...claims, deviceId: 'apl-0123456789ab' });
    expect(decodeClaims(Buffer.concat([body, Buffer.of(0)]))).toBeUndefined();
  });

  it('signs a payload that verifies with the public key and is small enough for a version-7 QR at ECC M', () => {
    const qr = signReceiptQr(claims, signer);
    expect(qr).toMatch(/^ZLMC1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);
    expect(qr.length).toBeLessThanOrEqual(154); // ISO/IEC 18004 table 7: version 7-M holds 154 bytes
    expect(verifyReceiptQr(qr, { self: signer })).toEqual({ genuine: true, claims: { ...claims, deviceId: signer.deviceId }, signedBy: 'this-appliance' });
  });

  it('rejects a tampered body, a tampered signature, a truncated code and another key', () => {
    const qr = signReceiptQr(claims, signer);
    const [prefix, body, sig] = qr.split('.') as [string, string, string];
    const otherDay = signReceiptQr({ ...claims, date: '2026-11-24' }, testSigner('apl-0123456789ab'));
    const forgedBody = `${prefix}.${otherDay.split('.')[1]}.${sig}`;
    expect(verifyReceiptQr(forgedBody, { self: signer })).toMatchObject({ genuine: false, reason: { code: 'RECEIPT_SIGNATURE_INVALID' } });
    const flipped = `${prefix}.${body}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`;
    expect(verifyReceiptQr(flipped, { self: signer })).toMatchObject({ genuine: false, reason: { code: 'RECEIPT_SIGNATURE_INVALID' } });
    expect(verifyReceiptQr(qr.slice(0, -10), { self: signer })).toMatchObject({ genuine: false, reason: { code: 'RECEIPT_QR_MALFORMED' } });
    expect(verifyReceiptQr('https://example.org/x', { self: signer })).toMatchObject({ genuine: false, reason: { code: 'RECEIPT_QR_NOT_A_RECEIPT' } });
    const stranger = testSigner('apl-ffffffffffff');
    expect(verifyReceiptQr(signReceiptQr(claims, stranger), { self: signer })).toMatchObject({
      genuine: false,
      reason: { code: 'RECEIPT_SIGNER_UNKNOWN' },
    });
  });

  it("accepts another office's receipt when its appliance key is configured as trusted", () => {
    const other = testSigner('apl-harare000001');
    const qr = signReceiptQr({ ...claims, officeCode: 'HRE' }, other);
    const trusted = [{ deviceId: other.deviceId, publicKeyPem: other.publicKeyPem, officeCode: 'HRE' }];
    expect(verifyReceiptQr(qr, { self: signer, trusted })).toMatchObject({ genuine: true, signedBy: 'trusted-appliance' });
    // the same key claiming another office is refused
    const lying = signReceiptQr({ ...claims, officeCode: 'BBR' }, other);
    expect(verifyReceiptQr(lying, { self: signer, trusted })).toMatchObject({ genuine: false });
  });
});

describe('receipt composer', () => {
  const facts = receiptFacts(finalizedRegistration(), ctx);

  it.each(RECEIPT_LANGUAGES)('lays out a %s receipt on 80 mm and 58 mm paper whose QR scans back to the signed payload', (lang) => {
    const text = receiptCatalogue(lang);
    for (const paperWidth of [80, 58] as const) {
      const doc = composeReceipt(facts, text, { paperWidth, helpLine: '+000 000 0000' });
      const rendered = renderOffline(doc, paperWidth);
      const columns = paperWidth === 80 ? 48 : 32;
      for (const line of rendered.text.split('\n').filter((l) => !l.startsWith('[QR'))) expect(line.length).toBeLessThanOrEqual(columns);
      expect(rendered.text).toContain('BBR-');
      expect(rendered.text).toContain('MOYO, TENDAI');
      expect(rendered.text).toContain('F****456');
      expect(rendered.text).not.toContain('FN123456');
      expect(rendered.text).toContain('2026-11-23 09:55');
      expect(rendered.text).toContain(text.t('registered'));
      expect(rendered.text).toContain('+000 000 0000');
      expect(decodeQrFromPng(rendered.png)).toBe(facts.qr);
    }
  });

  it('prints the labels and next steps in the chosen language, and marks Shona and Ndebele as drafts', () => {
    const en = renderOffline(composeReceipt(facts, receiptCatalogue('en'), { paperWidth: 80 })).text;
    const sn = renderOffline(composeReceipt(facts, receiptCatalogue('sn'), { paperWidth: 80 })).text;
    const nd = renderOffline(composeReceipt(facts, receiptCatalogue('nd'), { paperWidth: 80 })).text;
    expect(en).toMatch(/^Name\s+MOYO/m);
    expect(sn).toMatch(/^Zita\s+MOYO/m);
    expect(nd).toMatch(/^Ibizo\s+MOYO/m);
    expect(en).toContain('For help, ask at any labour office.');
    expect(receiptCatalogue('en').reviewed).toBe(true);
    expect(receiptCatalogue('sn').reviewed).toBe(false);
    expect(receiptCatalogue('nd').reviewed).toBe(false);
  });

  it('marks a copy', () => {
    const copy = renderOffline(composeReceipt(facts, receiptCatalogue('en'), { paperWidth: 80, copy: true })).text;
    expect(copy).toContain('COPY');
  });

  it('folds accents and never lets a non-printable character through', () => {
    expect(printable('Bulawayo Régional\u00a0Office ✓')).toBe('Bulawayo Regional Office ?');
    expect(wrap('a bb ccccccccc', 4)).toEqual(['a bb', 'cccc', 'cccc', 'c']);
  });
});
