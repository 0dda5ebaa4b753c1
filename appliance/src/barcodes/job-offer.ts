/**
 * Job-offer QR code an employer prints on the offer letter (this project's format, version 1).
 *
 *   ZLMCJOB1;emp=<employer registration no>;name=<employer name>;pos=<position>;exp=<yyyy-mm-dd>
 *           [;loc=<place of work>][;start=<yyyy-mm-dd>][;wage=<free text>][;ref=<offer reference>]
 *
 * Fields are `key=value` separated by `;`, values percent-encoded (RFC 3986, as
 * encodeURIComponent does), in any order; unknown keys are kept, so version 1 readers accept
 * later additions. Required: emp, name, pos, exp. ASCII keeps the symbol in QR byte mode small.
 * The code is NOT signed: it tells the officer what the letter claims, which they confirm
 * with the employer register; the appliance says so with every decode.
 */
export const JOB_OFFER_PREFIX = 'ZLMCJOB1';

export interface JobOffer {
  employerRegistration: string;
  employerName: string;
  position: string;
  expires: string;
  location?: string;
  start?: string;
  wage?: string;
  reference?: string;
  extra: Record<string, string>;
}

export type JobOfferParse = { ok: true; offer: JobOffer; expired: boolean } | { ok: false; problems: string[] };

const KNOWN: Record<string, keyof Omit<JobOffer, 'extra'>> = {
  emp: 'employerRegistration',
  name: 'employerName',
  pos: 'position',
  exp: 'expires',
  loc: 'location',
  start: 'start',
  wage: 'wage',
  ref: 'reference',
};
const REQUIRED = ['emp', 'name', 'pos', 'exp'];
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export function isJobOfferText(text: string): boolean {
  return text.startsWith(`${JOB_OFFER_PREFIX};`);
}

export function encodeJobOffer(o: Omit<JobOffer, 'extra'> & { extra?: Record<string, string> }): string {
  const pairs: string[] = [];
  for (const [key, field] of Object.entries(KNOWN)) {
    const v = o[field];
    if (v !== undefined) pairs.push(`${key}=${encodeURIComponent(v)}`);
  }
  for (const [k, v] of Object.entries(o.extra ?? {})) pairs.push(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  return [JOB_OFFER_PREFIX, ...pairs].join(';');
}

export function parseJobOffer(text: string, now: Date = new Date()): JobOfferParse {
  if (!isJobOfferText(text)) return { ok: false, problems: ['not a ZLMCJOB1 job offer'] };
  const problems: string[] = [];
  const fields: Record<string, string> = {};
  for (const part of text.slice(JOB_OFFER_PREFIX.length + 1).split(';')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 1) {
      problems.push(`field "${part.slice(0, 20)}" has no value`);
      continue;
    }
    try {
      fields[decodeURIComponent(part.slice(0, eq))] = decodeURIComponent(part.slice(eq + 1));
    } catch {
      problems.push(`field "${part.slice(0, eq)}" is not properly encoded`);
    }
  }
  for (const k of REQUIRED) if (!fields[k]) problems.push(`required field "${k}" is missing`);
  for (const k of ['exp', 'start']) if (fields[k] && !DATE_RE.test(fields[k])) problems.push(`"${k}" must be yyyy-mm-dd`);
  if (problems.length) return { ok: false, problems };
  const offer = { extra: {} } as JobOffer;
  for (const [k, v] of Object.entries(fields)) {
    const field = KNOWN[k];
    if (field) offer[field] = v;
    else offer.extra[k] = v;
  }
  return { ok: true, offer, expired: offer.expires < now.toISOString().slice(0, 10) };
}
