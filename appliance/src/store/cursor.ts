import { ApplianceError, ApplianceErrors } from '../errors.ts';

/**
 * Opaque keyset cursor: the internal insertion seq of the last row on a page. New registrations
 * get higher seqs, so "seq < cursor" keeps later pages identical however many arrive meanwhile.
 * Versioned prefix so the encoding can change without misreading old cursors held by a UI.
 */
const PREFIX = 'r1:';

export function encodeCursor(seq: number): string {
  return Buffer.from(`${PREFIX}${seq}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const text = typeof cursor === 'string' && cursor.length <= 64 ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const digits = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : '';
  const seq = /^[1-9][0-9]{0,15}$/.test(digits) ? Number(digits) : Number.NaN;
  if (!Number.isSafeInteger(seq)) {
    throw new ApplianceError(ApplianceErrors.STORE_INVALID_CURSOR.code, 'The paging cursor is not valid; start from the first page.');
  }
  return seq;
}
