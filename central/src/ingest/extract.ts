/**
 * Statistic columns extracted from a registration payload. Lenient by design: an unrecognised
 * value becomes NULL (counted as "unknown") rather than rejecting the registration.
 */
import type { RegistrationPayload } from '@lmc/protocol/batch.ts';

export interface ExtractedColumns {
  sex: 'M' | 'F' | 'X' | null;
  birthDate: string | null;
  nationality: string | null;
  districtOfOrigin: string | null;
  occupationIsco: string | null;
  destinationProvince: string | null;
  employerId: string | null;
  isReturning: boolean | null;
}

function text(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t === '' ? null : t;
}

/** YYYY-MM-DD that is a real calendar date; MRZ dates with unknown parts (`<<`, `00`) give null. */
export function isoDateOrNull(v: unknown): string | null {
  const t = text(v);
  const m = t ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(t) : null;
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d ? t : null;
}

export function extractColumns(payload: RegistrationPayload): ExtractedColumns {
  const sex = text(payload.sex)?.toUpperCase();
  // ICAO 9303 nationality codes are padded with '<' (Germany is "D<<"): store the letters only.
  const nationality = text(payload.nationality)?.replace(/</g, '').toUpperCase() ?? null;
  const isco = text(payload.occupationIsco);
  return {
    sex: sex === 'M' || sex === 'F' || sex === 'X' ? sex : null,
    birthDate: isoDateOrNull(payload.birthDate),
    nationality: nationality && /^[A-Z]{1,3}$/.test(nationality) ? nationality : null,
    districtOfOrigin: text(payload.districtOfOrigin),
    // ISCO-08: major group (1 digit) down to unit group (4 digits).
    occupationIsco: isco && /^\d{1,4}$/.test(isco) ? isco : null,
    destinationProvince: text(payload.destinationProvince),
    employerId: text(payload.employerId),
    isReturning: typeof payload.returning === 'boolean' ? payload.returning : null,
  };
}
