/**
 * What a receipt and the A4 slip say about one registration, derived once so the two never
 * disagree: human registration number, display name, masked document number, local date.
 */
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import type { Registration } from '../store/index.ts';
import { type ReceiptSigner, signReceiptQr } from './receipt-signature.ts';

/** Zimbabwe keeps CAT (UTC+2) all year; the office's day is what the migrant sees on the receipt. */
export const DEFAULT_TIME_ZONE = 'Africa/Harare';

export interface ReceiptFacts {
  registrationId: string;
  registrationNumber: string;
  name: string;
  nationality: string;
  documentType: string;
  documentNumberMasked: string;
  sex: string | null;
  birthDate: string | null;
  /** yyyy-mm-dd in the office time zone */
  date: string;
  /** yyyy-mm-dd HH:MM in the office time zone */
  dateTime: string;
  officeCode: string;
  officeName: string;
  officerId: string;
  qr: string;
}

export interface FactsContext {
  officeName: string;
  signer: ReceiptSigner;
  timeZone?: string;
}

// One number everywhere (API, receipt, slip): the store derives it for every Registration.
export { registrationNumber } from '../store/registration-number.ts';
import { registrationNumber } from '../store/registration-number.ts';

/**
 * Masks a travel document number for a paper that leaves the office: the first character and the
 * last three stay (enough for the migrant to recognise it), at least half is hidden.
 */
export function maskDocumentNumber(n: string): string {
  const s = n.replaceAll('<', '').trim();
  if (s.length === 0) return '';
  if (s.length <= 4) return `${'*'.repeat(s.length - 1)}${s.slice(-1)}`;
  const keepEnd = Math.min(3, Math.floor(s.length / 2) - 1);
  return `${s[0]}${'*'.repeat(s.length - 1 - keepEnd)}${s.slice(s.length - keepEnd)}`;
}

export function localParts(iso: string, timeZone = DEFAULT_TIME_ZONE): { date: string; time: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

const DOCUMENT_TYPES: Record<string, string> = { P: 'passport', I: 'identity card', A: 'identity card', C: 'identity card', V: 'visa' };

/** Facts for a finalized registration; REGISTRATION_NOT_FINALIZED for anything else (a receipt promises it is saved). */
export function receiptFacts(r: Registration, ctx: FactsContext): ReceiptFacts {
  if (r.status !== 'finalized' || !r.finalizedAt || !r.document) {
    throw new ApplianceError(ApplianceErrors.REGISTRATION_NOT_FINALIZED.code, 'a receipt is printed only for a finalized registration: finalize it first', {
      status: r.status,
    });
  }
  const d = r.document;
  const { date, time } = localParts(r.finalizedAt, ctx.timeZone);
  return {
    registrationId: r.id,
    registrationNumber: registrationNumber(r.officeCode, r.id),
    name: [d.surname, d.givenNames].filter((s) => s && s.length > 0).join(', '),
    nationality: d.nationality,
    documentType: DOCUMENT_TYPES[d.documentCode?.[0] ?? ''] ?? 'document',
    documentNumberMasked: maskDocumentNumber(d.documentNumber ?? ''),
    sex: d.sex,
    birthDate: d.birthDate,
    date,
    dateTime: `${date} ${time}`,
    officeCode: r.officeCode,
    officeName: ctx.officeName,
    officerId: r.officerId,
    qr: signReceiptQr({ registrationId: r.id, officeCode: r.officeCode, date }, ctx.signer),
  };
}
