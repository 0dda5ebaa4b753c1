/**
 * The A4 registration slip for the office file: the receipt's facts (receipt-facts.ts, so paper
 * and slip never disagree), the same signed QR code, the fingerprint summary, the consent
 * statement and signature lines for the migrant and the officer.
 */
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import { sniffImage } from '../barcodes/image-luminance.ts';
import type { ReceiptFacts } from '../printing/receipt-facts.ts';
import { A4, type Pdf, pdfText, qrPng, renderPdf } from './pdf-support.ts';
import { languageName, type SlipRecord } from './slip-data.ts';

/** A document-camera or phone photo of the passport page, JPEG or PNG; bigger files are refused, not shrunk. */
export const MAX_DOCUMENT_PHOTO_BYTES = 4 * 1024 * 1024;

export interface SlipOptions {
  /** A summary line for callers without the record (kept for older callers); `record` supersedes it. */
  fingerprints?: { captured: number; summary: string } | null;
  /** What the registration recorded (slip-data.ts): fingers, details, approval, consent in its language. */
  record?: SlipRecord | null;
  generatedAt: string;
  deviceId: string;
  /**
   * The captured photo of the document page (JPEG or PNG), when the registration has one. There is
   * no document camera yet and no route that stores one: callers pass null until there is.
   */
  documentPhoto?: Buffer | null;
  /** The passport chip read (chip/chip-slip.ts): its verdict in words and the face (JPEG, base64 so it crosses to the CPU pool as is). */
  chip?: SlipChip | null;
}

export interface SlipChip {
  /** One line a check: the passive-authentication verdict, DG1 against the printed page, why the photo is not shown. */
  lines: string[];
  faceJpegBase64: string | null;
}

/** Checked before pdfkit sees it: pdfkit's own errors on a bad image say nothing useful to the officer. */
export function checkDocumentPhoto(photo: Buffer): void {
  if (photo.length > MAX_DOCUMENT_PHOTO_BYTES) {
    throw new ApplianceError(ApplianceErrors.DOCUMENT_PHOTO_TOO_LARGE.code, `the document photo is larger than ${MAX_DOCUMENT_PHOTO_BYTES / 1024 / 1024} MiB`, {
      bytes: photo.length,
    });
  }
  if (!sniffImage(photo)) throw new ApplianceError(ApplianceErrors.DOCUMENT_PHOTO_INVALID.code, 'the document photo is not a JPEG or PNG image', { bytes: photo.length });
}

/**
 * Plain-language consent, read to the migrant in their language before signing.
 * NOTE: the wording needs review by the Ministry's legal officer before field use.
 */
export const CONSENT_STATEMENT =
  'I confirm that the details above are mine and correct. I agree that the Labour Migration Centre records them ' +
  'and sends them to the Ministry of Labour central register, to help me find lawful work and to protect me while I ' +
  'work abroad. They are shared with the ILO and IOM programme only as statistics that do not name me. I may ask at ' +
  'any labour office to see or correct my record.';

export async function registrationSlipPdf(f: ReceiptFacts, options: SlipOptions): Promise<Buffer> {
  const qr = await qrPng(f.qr);
  const photo = options.documentPhoto ?? null;
  if (photo) checkDocumentPhoto(photo);
  return renderPdf({ title: `Registration slip ${f.registrationNumber}`, subject: 'Labour Migration Centre registration' }, (doc) => {
    const left = A4.margin;
    const width = A4.width - 2 * A4.margin;
    doc.font('Helvetica-Bold').fontSize(18).text('ZIMBABWE - Labour Migration Centre', left, A4.margin, { width, align: 'center' });
    doc.font('Helvetica').fontSize(12).text(pdfText(f.officeName), { width, align: 'center' });
    doc.moveDown(0.3).fontSize(10).fillColor('#444').text('Registration slip - office file copy', { width, align: 'center' }).fillColor('black');
    doc.moveTo(left, doc.y + 8).lineTo(left + width, doc.y + 8).stroke();

    const top = doc.y + 24;
    const qrSize = 150;
    doc.image(qr, left + width - qrSize, top, { width: qrSize });
    doc.fontSize(8).text('Scan to check this registration is genuine', left + width - qrSize, top + qrSize + 2, { width: qrSize, align: 'center' });

    const rows: Array<[string, string]> = [
      ['Registration number', f.registrationNumber],
      ['Registration ID', f.registrationId],
      ['Name', f.name],
      ['Nationality', f.nationality],
      ['Sex', f.sex ?? 'not recorded'],
      ['Date of birth', f.birthDate ?? 'not recorded'],
      ['Travel document', `${f.documentType} ${f.documentNumberMasked}`],
      ['Registered', f.dateTime],
      ['Office', `${f.officeCode} - ${f.officeName}`],
      ['Officer', f.officerId],
    ];
    let y = top;
    const labelW = 120;
    const valueW = width - qrSize - labelW - 20;
    for (const [label, value] of rows) {
      doc.font('Helvetica-Bold').fontSize(10).text(label, left, y, { width: labelW });
      doc.font('Helvetica').fontSize(10).text(pdfText(value), left + labelW, y, { width: valueW });
      y = Math.max(doc.y, y + 14) + 4;
    }

    y = Math.max(y, top + qrSize + 20) + 10;
    const record = options.record ?? null;
    doc.x = left;
    doc.y = y;
    if (record) drawRecord(doc, record, left, width);
    else {
      doc.font('Helvetica-Bold').fontSize(12).text('Fingerprints', left, y);
      const fp = options.fingerprints;
      doc.font('Helvetica').fontSize(10).text(fp ? pdfText(fp.summary) : 'No fingerprint record was given for this slip.', left, doc.y + 4, { width });
    }

    if (record?.vacancies) drawVacancies(doc, record.vacancies, left, width);
    if (photo) drawDocumentPhoto(doc, photo, left, width);
    if (options.chip) drawChip(doc, options.chip, left, width);

    doc.moveDown(0.8).font('Helvetica-Bold').fontSize(12).text('Consent', left);
    const consent = record?.consent ?? null;
    if (record && !consent) {
      doc.font('Helvetica').fontSize(10).text('No consent is recorded for this registration.', left, doc.y + 4, { width });
    } else if (consent) {
      doc
        .font('Helvetica')
        .fontSize(9)
        .text(
          `${consent.given ? 'Given' : 'NOT given'} in ${languageName(consent.language)}, read out ${consent.readAt.slice(0, 16).replace('T', ' ')} UTC. The text the migrant agreed to:`,
          left,
          doc.y + 4,
          { width },
        );
      doc.font('Helvetica').fontSize(9.5).text(pdfText(consent.text), left, doc.y + 3, { width, align: 'justify' });
      if (consent.english) {
        doc.font('Helvetica-Oblique').fontSize(8).fillColor('#444').text(`English text for the office file: ${pdfText(consent.english)}`, left, doc.y + 3, { width, align: 'justify' }).fillColor('black');
      }
    } else {
      doc.font('Helvetica').fontSize(10).text(CONSENT_STATEMENT, left, doc.y + 4, { width, align: 'justify' });
    }

    if (doc.y + 60 + 70 > A4.height - A4.margin) doc.addPage();
    const sigY = doc.y + 60;
    const colW = (width - 40) / 2;
    for (const [i, label] of ['Signature or thumbprint of the migrant', 'Signature and stamp of the officer'].entries()) {
      const x = left + i * (colW + 40);
      doc.moveTo(x, sigY).lineTo(x + colW, sigY).stroke();
      doc.fontSize(9).text(label, x, sigY + 4, { width: colW });
      doc.moveTo(x, sigY + 50).lineTo(x + colW * 0.6, sigY + 50).stroke();
      doc.fontSize(9).text('Date', x, sigY + 54, { width: colW });
    }

    doc
      .fontSize(7)
      .fillColor('#666')
      .text(
        `Generated ${options.generatedAt} by appliance ${pdfText(options.deviceId)}. The QR code is signed with the appliance key (Ed25519).`,
        left,
        A4.height - A4.margin - 10,
        { width, align: 'center', lineBreak: false },
      )
      .fillColor('black');
  });
}

const FINGER_WORDS: Record<string, string> = { thumb: 'thumb', index: 'index finger', middle: 'middle finger', ring: 'ring finger', little: 'little finger' };
const fingerName = (f: string): string => {
  const [side, digit] = f.split('-');
  return `${side === 'left' ? 'Left' : 'Right'} ${FINGER_WORDS[digit ?? ''] ?? digit}`;
};
const WARNING_WORDS: Record<string, string> = {
  HOLDER_UNDER_18: 'holder under the minimum age',
  BIRTH_DATE_UNKNOWN: 'date of birth not given in full',
  DOCUMENT_EXPIRED: 'expired document',
  SPECIMEN_DOCUMENT: 'specimen document (UTO)',
  UNKNOWN_STATE: 'unknown issuing state or nationality',
};
const EDUCATION_WORDS: Record<string, string> = {
  none: 'none',
  primary: 'primary',
  'secondary-o-level': 'secondary (O level)',
  'secondary-a-level': 'secondary (A level)',
  vocational: 'vocational',
  tertiary: 'tertiary',
};
const PROVINCES_ZA: Record<string, string> = {
  'ZA-LP': 'Limpopo', 'ZA-MP': 'Mpumalanga', 'ZA-GP': 'Gauteng', 'ZA-NW': 'North West', 'ZA-KZN': 'KwaZulu-Natal',
  'ZA-FS': 'Free State', 'ZA-NC': 'Northern Cape', 'ZA-EC': 'Eastern Cape', 'ZA-WC': 'Western Cape',
};
const named = (name: string | null, code: string | null): string => (name && code ? `${name} (${code})` : (name ?? code ?? 'none'));

/** Label/value rows, 9 pt, in one column or two (many short rows, e.g. ten fingers). */
function pairRows(doc: Pdf, rows: Array<[string, string]>, left: number, width: number, columns: 1 | 2 = 1): void {
  const colW = columns === 1 ? width : (width - 20) / 2;
  const labelW = columns === 1 ? 110 : 95;
  for (let i = 0; i < rows.length; i += columns) {
    const y = doc.y + 2;
    let bottom = y + 11;
    for (const [j, row] of rows.slice(i, i + columns).entries()) {
      if (!row) continue;
      const x = left + j * (colW + 20);
      doc.font('Helvetica-Bold').fontSize(9).text(row[0], x, y, { width: labelW });
      doc.font('Helvetica').fontSize(9).text(pdfText(row[1]), x + labelW, y, { width: colW - labelW });
      bottom = Math.max(bottom, doc.y);
    }
    doc.x = left;
    doc.y = bottom;
  }
}

/** Details, fingerprints and the supervisor's approval as recorded. */
function drawRecord(doc: Pdf, r: SlipRecord, left: number, width: number): void {
  doc.font('Helvetica-Bold').fontSize(12).text('Details recorded', left, doc.y);
  const d = r.details;
  if (!d) {
    doc.font('Helvetica').fontSize(10).text('No details are recorded for this registration.', left, doc.y + 2, { width });
  } else {
    const rows: Array<[string, string]> = [
      ['Home district', named(d.homeDistrictName, d.homeDistrict)],
      ['Home province', named(d.homeProvinceName, d.homeProvince)],
      ['Occupation', named(d.occupationTitle, `ISCO ${d.occupationIsco}`)],
      ['Education', EDUCATION_WORDS[d.education] ?? d.education],
      ['Employer', d.employerId ? named(d.employerName, d.employerId) : 'none chosen'],
      ['Vacancy', d.vacancyId ? named(d.vacancyTitle, d.vacancyId) : 'none chosen'],
      ['Destination', named(PROVINCES_ZA[d.destinationProvince] ?? null, d.destinationProvince)],
      ['Language', languageName(r.migrantLanguage ?? d.language)],
      ['Phone', d.phone ?? 'none given'],
      ['Next of kin', `${d.nextOfKin.name} (${d.nextOfKin.relationship})${d.nextOfKin.phone ? `, ${d.nextOfKin.phone}` : ''}`],
    ];
    if (d.jobOffer) rows.push(['Job offer', `${d.jobOffer.position}, ${d.jobOffer.employerName}, until ${d.jobOffer.expires}`]);
    doc.y += 3;
    pairRows(doc, rows, left, width);
  }

  doc.moveDown(0.6).font('Helvetica-Bold').fontSize(12).text('Fingerprints', left, doc.y);
  if (r.fingers.length === 0) {
    doc.font('Helvetica').fontSize(10).text('No fingerprints are recorded for this registration.', left, doc.y + 2, { width });
  } else {
    const captured = r.fingers.filter((f) => f.status === 'captured').length;
    const excepted = r.fingers.length - captured;
    doc.font('Helvetica').fontSize(9).text(`${captured} captured, ${excepted} excepted with a supervisor's approval.`, left, doc.y + 2, { width });
    doc.y += 2;
    pairRows(
      doc,
      r.fingers.map((f): [string, string] => [
        fingerName(f.finger),
        f.status === 'captured'
          ? `captured${f.quality !== null ? `, quality ${f.quality}/100` : ''}`
          : `not taken: ${f.reason ?? 'exception'}; approved by ${f.approvedBy ?? 'unknown'}`,
      ]),
      left,
      width,
      r.fingers.length > 4 ? 2 : 1,
    );
  }

  if (r.approval) {
    const what = r.approval.warnings.map((w) => WARNING_WORDS[w] ?? w).join(', ');
    doc.moveDown(0.6).font('Helvetica-Bold').fontSize(12).text('Supervisor approval', left, doc.y);
    doc
      .font('Helvetica')
      .fontSize(9)
      .text(pdfText(`Approved by ${r.approval.supervisor} on ${r.approval.at.slice(0, 16).replace('T', ' ')} UTC: ${what}.`), left, doc.y + 2, { width });
  }
}

/** The jobs the migrant asked for, each with its terms, in the migrant's language (issue #17). */
function drawVacancies(doc: Pdf, v: NonNullable<SlipRecord['vacancies']>, left: number, width: number): void {
  doc.moveDown(0.6).font('Helvetica-Bold').fontSize(12).text(`${pdfText(v.heading)} (${languageName(v.language)})`, left, doc.y);
  for (const b of v.blocks) {
    if (doc.y + 120 > A4.height - A4.margin) doc.addPage();
    doc.moveDown(0.2).font('Helvetica-Bold').fontSize(10).text(pdfText(b.title), left, doc.y, { width });
    if (b.demo) doc.font('Helvetica-Bold').fontSize(9).text(pdfText(b.demo), left, doc.y, { width });
    doc.y += 1;
    pairRows(doc, b.rows, left, width, 2);
    doc.font('Helvetica-Oblique').fontSize(9).text(pdfText(b.costs), left, doc.y + 1, { width });
  }
}

/** The page photo under the fingerprint summary, fitted into 260 × 150 pt so the slip stays one page. */
function drawDocumentPhoto(doc: Pdf, photo: Buffer, left: number, width: number): void {
  doc.moveDown(1).font('Helvetica-Bold').fontSize(12).text('Travel document page (captured photo)', left);
  const y = doc.y + 4;
  const box = { w: Math.min(260, width), h: 150 };
  try {
    doc.image(photo, left, y, { fit: [box.w, box.h] });
  } catch (err) {
    // A header that sniffs as JPEG/PNG but does not decode (truncated, CMYK oddities pdfkit refuses).
    throw new ApplianceError(ApplianceErrors.DOCUMENT_PHOTO_INVALID.code, 'the document photo is damaged or in a form the slip cannot show', {
      cause: (err as Error).message,
    });
  }
  doc.y = y + box.h + 4;
  doc.x = left;
}

/** The chip's face beside its verdict, fitted into 90 × 120 pt (ICAO portraits are 3:4). */
function drawChip(doc: Pdf, chip: SlipChip, left: number, width: number): void {
  doc.moveDown(1).font('Helvetica-Bold').fontSize(12).text('Passport chip', left);
  const y = doc.y + 4;
  const face = chip.faceJpegBase64 ? Buffer.from(chip.faceJpegBase64, 'base64') : null;
  const faceW = face ? 90 : 0;
  if (face) doc.image(face, left, y, { fit: [faceW, 120] });
  doc.font('Helvetica').fontSize(10);
  doc.y = y;
  for (const line of chip.lines) doc.text(pdfText(line), left + faceW + (face ? 12 : 0), doc.y, { width: width - faceW - (face ? 12 : 0) }).moveDown(0.2);
  doc.y = Math.max(doc.y, y + (face ? 124 : 0));
  doc.x = left;
}
