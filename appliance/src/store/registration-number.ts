/**
 * The registration number an officer reads aloud and the migrant keeps: office code + 40 bits of the UUID in
 * Crockford base32, e.g. `BBR-7F3K-9QXM`. One number everywhere: the API's Registration, the receipt and the slip.
 * The first 5 bytes of a v4 UUID are all random (RFC 9562 §5.4: version bits sit in byte 6), so at 10,000
 * registrations a chance collision is ~5e-5; the UUID on the QR code stays the identity.
 */
import { ApplianceError, ApplianceErrors } from '../errors.ts';

// Crockford base32: no I, L, O, U, so a number read aloud over a phone line is not misheard.
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function registrationNumber(officeCode: string, uuid: string): string {
  const bytes = Buffer.from(uuid.replaceAll('-', '').slice(0, 10), 'hex');
  if (bytes.length !== 5) throw new ApplianceError(ApplianceErrors.STORE_INVALID_INPUT.code, 'registration id is not a UUID');
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  let s = '';
  for (let i = 0; i < 8; i++) {
    s = CROCKFORD[Number(v & 31n)] + s;
    v >>= 5n;
  }
  return `${officeCode}-${s.slice(0, 4)}-${s.slice(4)}`;
}
