/**
 * What a receipt and the A4 slip say about one registration, derived once so the two never
 * disagree: human registration number, display name, masked document number, local date.
 */
import { ApplianceError } from '../errors.ts';
import { PrintingErrorCodes } from './printing-errors.ts';
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

// Crockford base32: no I, L, O, U, so a number read aloud over a phone line is not misheard.
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A short number an officer can read aloud: office code + 40 bits of the UUID in Crockford
 * base32, e.g. `BBR-7F3K-9QXM`. The first 5 bytes of a v4 UUID are all random (RFC 9562 §5.4:
 * version bits sit in byte 6), so at 10,000 registrations a chance collision is ~5e-5; the
 * UUID on the QR code stays the identity.
 */
export function registrationNumber(officeCode: string, uuid: string): string {
  const bytes = Buffer.from(uuid.replaceAll('-', '').slice(0, 10), 'hex');
  if (bytes.length !== 5) throw new ApplianceError(PrintingErrorCodes.InvalidInput, 'registration id is not a UUID');
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  let s = '';
  for (let i = 0; i < 8; i++) {
    s = CROCKFORD[Number(v & 31n)] + s;
    v >>= 5n;
  }
  return `${officeCode}-${s.slice(0, 4)}-${s.slice(4)}`;
}

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
    throw new ApplianceError(PrintingErrorCodes.RegistrationNotFinalized, 'a receipt is printed only for a finalized registration: finalize it first', {
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
