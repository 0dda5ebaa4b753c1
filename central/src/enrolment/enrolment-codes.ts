/**
 * One-time enrolment codes: 80 random bits shown once to the administrator as four groups of
 * Crockford base32 (no I, L, O, U: nothing to misread over the phone), stored only as SHA-256.
 * 80 bits make a plain hash enough: there is nothing to brute-force that a slow KDF would protect.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db, Queryable } from '../db/db.ts';
import { CentralErrors, centralError } from '../errors.ts';
import { normaliseCode } from '@lmc/protocol/enrolment.ts';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function generateCode(): string {
  const bytes = randomBytes(10);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < 16; i++) {
    out = (ALPHABET[Number(bits & 31n)] ?? '0') + out;
    bits >>= 5n;
  }
  return out.match(/.{4}/g)?.join('-') ?? out;
}

export function hashCode(code: string): string {
  return createHash('sha256').update(`zlmc-enrolment-code:${normaliseCode(code)}`, 'utf8').digest('hex');
}

export interface Office {
  code: string;
  name: string;
}

export async function findOffice(db: Queryable, code: string): Promise<Office | undefined> {
  return (await db.query<Office>('SELECT code, name FROM offices WHERE code = $1', [code]))[0];
}

export async function issueEnrolmentCode(
  db: Db,
  officeCode: string,
  ttlMinutes: number,
  now: Date = new Date(),
): Promise<{ code: string; officeCode: string; expiresAt: string }> {
  if (!(await findOffice(db, officeCode))) {
    throw centralError(CentralErrors.OFFICE_UNKNOWN.code, `No office with code ${officeCode}`, { officeCode });
  }
  const code = generateCode();
  const expiresAt = new Date(now.getTime() + ttlMinutes * 60_000).toISOString();
  await db.query('INSERT INTO enrolment_codes (code_hash, office_code, created_at, expires_at) VALUES ($1, $2, $3, $4)', [
    hashCode(code),
    officeCode,
    now.toISOString(),
    expiresAt,
  ]);
  return { code, officeCode, expiresAt };
}

/**
 * Marks the code used, inside the caller's transaction; the row lock (FOR UPDATE) makes two
 * enrolments racing on one code serialise, and the second finds it used.
 */
export async function consumeEnrolmentCode(tx: Queryable, code: string, deviceId: string, now: Date): Promise<Office> {
  const rows = await tx.query<{ office_code: string; expires_at: string | Date; used_at: string | Date | null }>(
    'SELECT office_code, expires_at, used_at FROM enrolment_codes WHERE code_hash = $1 FOR UPDATE',
    [hashCode(code)],
  );
  const row = rows[0];
  // One message for unknown, used and expired: the answer must not tell a guesser which codes exist.
  const refused = () => centralError(CentralErrors.ENROLMENT_CODE_INVALID.code, 'The enrolment code is not valid (unknown, already used or expired)');
  if (!row || row.used_at !== null || new Date(row.expires_at).getTime() <= now.getTime()) throw refused();
  await tx.query('UPDATE enrolment_codes SET used_at = $1, used_by_device = $2 WHERE code_hash = $3', [now.toISOString(), deviceId, hashCode(code)]);
  const office = await findOffice(tx, row.office_code);
  if (!office) throw refused();
  return office;
}
