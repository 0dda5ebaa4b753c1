/** Small helpers shared by the A4 documents: a pdfkit document to a Buffer, a QR code as a PNG. */
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';

export type Pdf = InstanceType<typeof PDFDocument>;

/** A4 in PostScript points (ISO 216: 210 × 297 mm). */
export const A4 = { width: 595.28, height: 841.89, margin: 50 } as const;

/**
 * Runs `draw` on a fresh A4 document and resolves with the finished file. pdfkit's built-in
 * Helvetica (WinAnsi) is used: no font files to ship, and the text stays extractable.
 */
export function renderPdf(info: { title: string; subject: string }, draw: (doc: Pdf) => void): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: A4.margin,
    info: { Title: info.title, Subject: info.subject, Author: 'Labour Migration Centre appliance', Creator: 'border-post-appliance' },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  try {
    draw(doc);
  } finally {
    doc.end();
  }
  return done;
}

/** QR as a PNG for the slip: ECC M like the receipt, 4-module quiet zone (ISO/IEC 18004 §6.3.8). */
export function qrPng(text: string): Promise<Buffer> {
  return QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: 6 });
}

/** WinAnsi (the standard fonts' encoding) cannot show every character: fold accents, replace the rest. */
export function pdfText(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e\u00a0-\u00ff\n]/g, '?');
}
