/**
 * Reference-data down-sync between the central and the appliances. Pure (node:crypto only), so
 * the appliance signs with the same code the central verifies with.
 *
 * `GET /api/v1/reference?since=N[&limit=L]` returns the reference rows changed after version N
 * that this device may see, oldest change first, at most L of them (a page). Every change at the
 * centre takes the next value of one global sequence, so a device that applied everything up to
 * toVersion asks for since=toVersion next and never misses or repeats a change.
 *
 * Authentication (the batch protocol signs the body; a GET has none): headers `x-device-id`,
 * `x-timestamp` (milliseconds since the Unix epoch, decimal) and `x-signature` = base64 Ed25519
 * (RFC 8032, pure) over the canonical request below. The path signed is the API path, not the
 * URL's, so a reverse proxy that strips a prefix does not break signatures; the query string is
 * signed exactly as sent. The timestamp must be within the central's skew window; a refused
 * device reads the central's clock from the `Date` response header and retries once.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { HEADER_DEVICE_ID, HEADER_SIGNATURE } from './batch.ts';
import type { ReferenceTableName } from './reference-tables.ts';

export const REFERENCE_PATH = '/api/v1/reference';
export const REFERENCE_ADMIN_PATH = '/api/v1/admin/reference';
export const HEADER_TIMESTAMP = 'x-timestamp';
export { HEADER_DEVICE_ID, HEADER_SIGNATURE };

/** Domain separation: a reference-request signature can never be replayed as anything else. */
const CONTEXT = 'lmc-reference-v1';

export const DEFAULT_PAGE_LIMIT = 500;
export const MAX_PAGE_LIMIT = 2000;

export interface ReferenceChange {
  table: ReferenceTableName;
  op: 'upsert' | 'delete';
  key: string;
  /** The version this change took at the centre. */
  version: number;
  /** The row's declared columns (tables.ts); null for a delete (a tombstone). */
  row: Record<string, unknown> | null;
}

export interface ReferencePage {
  /**
   * Identifies the feed this device is following: the central database's feed id and the set of
   * scopes (office, destination provinces) the device receives. When it differs from the one a
   * device holds, the device's copy no longer matches and it loads everything again from 0.
   */
  epoch: string;
  fromVersion: number;
  /** Ask for since=toVersion next. Below fromVersion when the centre does not know the device's version (restored database). */
  toVersion: number;
  /** Latest version at the centre when the page was read (for lag). */
  headVersion: number;
  /** true when nothing after toVersion is visible to this device yet. */
  complete: boolean;
  changes: ReferenceChange[];
  /** The central's clock (ISO 8601) when the page was read. */
  serverTime: string;
}

export interface SignedRequestParts {
  method: string;
  /** The API path, e.g. REFERENCE_PATH. */
  path: string;
  /** Raw query string without '?', exactly as sent (empty when none). */
  query: string;
  deviceId: string;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
}

export function canonicalRequest(p: SignedRequestParts): string {
  return [CONTEXT, p.method.toUpperCase(), p.path, p.query, p.deviceId, String(p.timestamp)].join('\n');
}

export function signRequest(parts: SignedRequestParts, privateKey: KeyObject | string): Record<string, string> {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  return {
    [HEADER_DEVICE_ID]: parts.deviceId,
    [HEADER_TIMESTAMP]: String(parts.timestamp),
    [HEADER_SIGNATURE]: sign(null, Buffer.from(canonicalRequest(parts), 'utf8'), key).toString('base64'),
  };
}

/** True only for a well-formed signature that verifies; never throws on bad input. */
export function verifyRequest(parts: SignedRequestParts, signatureBase64: string, publicKey: KeyObject | string): boolean {
  if (!/^[A-Za-z0-9+/]{86}==$/.test(signatureBase64)) return false;
  try {
    const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
    if (key.asymmetricKeyType !== 'ed25519') return false;
    return verify(null, Buffer.from(canonicalRequest(parts), 'utf8'), key, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}

/** The query string for a pull, in the one order the client uses. */
export function referenceQuery(since: number, limit?: number): string {
  return limit === undefined ? `since=${since}` : `since=${since}&limit=${limit}`;
}
