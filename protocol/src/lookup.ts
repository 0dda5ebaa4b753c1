/**
 * Cross-office lookup of a returning migrant (issue #16 items 1–2): the request/answer contract between an
 * appliance and the central, and the compact offline index. Pure (node:crypto and TypeBox only), so both sides
 * compute document keys and keyed hashes with the same code.
 *
 * Keys
 * - Document key: ICAO document code, issuing state, document number and birth date of the MRZ, normalised
 *   (documentKey). The central links every registration of one document key to one person.
 * - Keyed hash: HMAC-SHA256 under the NETWORK KEY (32 random bytes held by the central, handed to enrolled
 *   appliances in every signed index page) over the document key. Neither the online request nor the offline index
 *   carries a readable name or document number; without the network key the hashes cannot be tested against
 *   guessed document numbers.
 *
 * Online (`GET LOOKUP_PATH?k=<64 hex>`): signed like a reference pull (reference-feed.ts signRequest: x-device-id,
 * x-timestamp, x-signature over method, path, query, device, time); the answer is a LookupAnswer signed with the
 * central's key (batch-envelope.ts signAnswer, purpose 'lookup', bound to the request's x-signature). The counter
 * waits at most LOOKUP_BUDGET_MS for it, then answers from the index.
 *
 * Offline index (`GET LOOKUP_INDEX_PATH?since=N&limit=L`): pages of changed persons after version N, signed the same
 * way (purpose 'lookup-index'). Each page carries the network key (id and bytes) and the office table; its entries
 * are packed binary (base64): per person, INDEX_HASH_BYTES of the keyed hash of each of its document keys, the
 * number of visits, and per visit the office (index into `offices`) and the day (days since 1970-01-01, UInt16BE)
 * of the registration — "registered at HRE on 2026-10-02", nothing else. A person whose entry has 0 visits is gone
 * (merged into another): the appliance drops it. A new keyId or epoch: the appliance discards its index and pulls
 * from 0.
 */
import { createHmac } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';

export const LOOKUP_PATH = '/api/v1/lookup';
export const LOOKUP_INDEX_PATH = '/api/v1/lookup/index';
/** The counter's budget for the online answer; past it, the offline index answers. */
export const LOOKUP_BUDGET_MS = 2000;
/** Bytes of the keyed hash kept per document in the offline index (64 bits: no collision expected below 10⁸ documents). */
export const INDEX_HASH_BYTES = 8;
/** Visits kept per person in the offline index (the latest). */
export const INDEX_MAX_VISITS = 12;
export const DEFAULT_INDEX_PAGE_LIMIT = 20_000;
export const MAX_INDEX_PAGE_LIMIT = 50_000;
/** Earlier registrations the online answer lists at most (newest first). */
export const MAX_LOOKUP_REGISTRATIONS = 20;

const HASH_CONTEXT = 'zlmc-lookup-doc-v1';

function clean(v: unknown): string {
  return typeof v === 'string' ? v.toUpperCase().replace(/[^0-9A-Z]/g, '') : '';
}

/** The parts of an MRZ document the document key is made of (as the appliance stores and forwards it). */
export interface DocumentKeyParts {
  documentCode?: string | null;
  issuingState?: string | null;
  documentNumber?: string | null;
  birthDate?: string | null;
}

/**
 * `P|ZWE|FN123456|1990-01-01`-like text (fillers, spaces and punctuation removed, upper case), or null when a part
 * is missing: a document without number or birth date is never linked.
 */
export function documentKey(doc: DocumentKeyParts | null | undefined): string | null {
  if (!doc) return null;
  const parts = [clean(doc.documentCode).slice(0, 1), clean(doc.issuingState), clean(doc.documentNumber), clean(doc.birthDate)];
  return parts.every((p) => p.length > 0) ? parts.join('|') : null;
}

/** The parts of a person the candidate rule compares: same names, birth date and sex with another document. */
export interface NameKeyParts {
  surname?: string | null;
  givenNames?: string | null;
  birthDate?: string | null;
  sex?: string | null;
}

function nameText(v: unknown): string {
  return typeof v === 'string' ? v.toUpperCase().replace(/</g, ' ').replace(/[^A-Z ]/g, '').replace(/\s+/g, ' ').trim() : '';
}

/** `MOYO|TENDAI|19900101|F`, or null when the surname, birth date or sex is missing. Central only (never sent). */
export function nameKey(p: NameKeyParts | null | undefined): string | null {
  if (!p) return null;
  const parts = [nameText(p.surname), nameText(p.givenNames), clean(p.birthDate), clean(p.sex)];
  return parts[0] && parts[2] && parts[3] ? parts.join('|') : null;
}

/** HMAC-SHA256 of a document key under the network key, hex (64 characters). */
export function keyedDocumentHash(networkKey: Uint8Array, docKey: string): string {
  return createHmac('sha256', networkKey).update(`${HASH_CONTEXT}\n${docKey}`, 'utf8').digest('hex');
}

export const LOOKUP_HASH_SHAPE = /^[0-9a-f]{64}$/;

export function lookupQuery(hash: string): string {
  return `k=${hash}`;
}

export function indexQuery(since: number, limit?: number): string {
  return limit === undefined ? `since=${since}` : `since=${since}&limit=${limit}`;
}

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const LookupRegistrationSchema = Type.Object({
  /** The registration's id (the appliance's registration id, also the central's). */
  registrationId: Type.String(),
  officeCode: Type.String(),
  officeName: Nullable(Type.String()),
  finalizedAt: Type.String(),
  /** 'finalized'; 'corrected' when a later version of it arrived (the answer shows the latest version's details). */
  status: Type.Union([Type.Literal('finalized'), Type.Literal('corrected')]),
  version: Type.Integer({ minimum: 1 }),
  occupationIsco: Nullable(Type.String()),
  occupationTitle: Nullable(Type.String()),
  employerId: Nullable(Type.String()),
  employerName: Nullable(Type.String()),
  vacancyId: Nullable(Type.String()),
  vacancyTitle: Nullable(Type.String()),
  destinationProvince: Nullable(Type.String()),
});

export const LookupAnswerSchema = Type.Object({
  found: Type.Boolean(),
  /** The central's person id (opaque), null when not found. */
  personId: Nullable(Type.String()),
  /** Earlier registrations at every office, newest first (at most MAX_LOOKUP_REGISTRATIONS). */
  registrations: Type.Array(LookupRegistrationSchema),
  /** How many there are in all. */
  total: Type.Integer({ minimum: 0 }),
  /**
   * The latest registration's details as a PUT /details body without consent, job-offer QR or language choice,
   * for the counter to prefill (the officer confirms or changes each field). null when not found.
   */
  prefill: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  serverTime: Type.String(),
});

export type LookupRegistration = Static<typeof LookupRegistrationSchema>;
export type LookupAnswer = Static<typeof LookupAnswerSchema>;

export const LookupIndexPageSchema = Type.Object({
  /** Changes when the central's person index is rebuilt: the appliance discards its copy and pulls from 0. */
  epoch: Type.String(),
  keyId: Type.String(),
  /** The network key, base64 (32 bytes). Travels only inside this signed answer over the pinned TLS link. */
  networkKey: Type.String(),
  fromVersion: Type.Integer({ minimum: 0 }),
  toVersion: Type.Integer({ minimum: 0 }),
  complete: Type.Boolean(),
  /** Office codes; a visit names one by its index here. */
  offices: Type.Array(Type.String()),
  /** Packed entries (see the file comment), base64. */
  entries: Type.String(),
  /** Number of entries packed. */
  count: Type.Integer({ minimum: 0 }),
  serverTime: Type.String(),
});
export type LookupIndexPage = Static<typeof LookupIndexPageSchema>;

/** One person in the offline index. */
export interface IndexEntry {
  /** INDEX_HASH_BYTES prefixes (hex) of the keyed hashes of this person's documents. */
  hashes: string[];
  /** Latest first, at most INDEX_MAX_VISITS. */
  visits: Array<{ officeCode: string; day: string }>;
}

const DAY_MS = 86_400_000;

export function dayNumber(isoDate: string): number {
  return Math.floor(Date.parse(`${isoDate.slice(0, 10)}T00:00:00Z`) / DAY_MS);
}

export function dayText(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Packs entries: per entry, 1 byte number of hashes h, h × INDEX_HASH_BYTES hash prefix, 1 byte number of visits v,
 * v × (1 byte office index, 2 bytes day number UInt16BE). Offices not in `offices` are added to it.
 */
export function packIndexEntries(entries: readonly IndexEntry[], offices: string[]): Buffer {
  const officeIndex = new Map(offices.map((o, i) => [o, i]));
  const size = entries.reduce((n, e) => n + 2 + Math.min(e.hashes.length, 255) * INDEX_HASH_BYTES + Math.min(e.visits.length, INDEX_MAX_VISITS) * 3, 0);
  const out = Buffer.alloc(size);
  let at = 0;
  for (const e of entries) {
    const hashes = e.hashes.slice(0, 255);
    out.writeUInt8(hashes.length, at++);
    for (const h of hashes) {
      out.write(h.slice(0, INDEX_HASH_BYTES * 2).padEnd(INDEX_HASH_BYTES * 2, '0'), at, 'hex');
      at += INDEX_HASH_BYTES;
    }
    const visits = e.visits.slice(0, INDEX_MAX_VISITS);
    out.writeUInt8(visits.length, at++);
    for (const v of visits) {
      let i = officeIndex.get(v.officeCode);
      if (i === undefined) {
        i = offices.length;
        offices.push(v.officeCode);
        officeIndex.set(v.officeCode, i);
      }
      if (i > 255) throw new RangeError('more than 256 offices in one index page');
      out.writeUInt8(i, at++);
      out.writeUInt16BE(Math.max(0, Math.min(0xffff, dayNumber(v.day))), at);
      at += 2;
    }
  }
  return out;
}

/** The inverse of packIndexEntries; throws RangeError on a truncated or inconsistent buffer. */
export function unpackIndexEntries(buf: Uint8Array, offices: readonly string[]): IndexEntry[] {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const entries: IndexEntry[] = [];
  let at = 0;
  const need = (n: number) => {
    if (at + n > b.length) throw new RangeError('index entries truncated');
  };
  while (at < b.length) {
    need(1);
    const h = b.readUInt8(at++);
    need(h * INDEX_HASH_BYTES + 1);
    const hashes: string[] = [];
    for (let i = 0; i < h; i++) {
      hashes.push(b.toString('hex', at, at + INDEX_HASH_BYTES));
      at += INDEX_HASH_BYTES;
    }
    const v = b.readUInt8(at++);
    need(v * 3);
    const visits: IndexEntry['visits'] = [];
    for (let i = 0; i < v; i++) {
      const office = offices[b.readUInt8(at)];
      if (office === undefined) throw new RangeError('index entry names an office not in the page');
      visits.push({ officeCode: office, day: dayText(b.readUInt16BE(at + 1)) });
      at += 3;
    }
    entries.push({ hashes, visits });
  }
  return entries;
}
