/**
 * Opening the passport chip's face photo of a forwarded registration at the central (issue #18).
 *
 * The appliance seals the DG2 face as it seals a print (blob format 2, kind 'document-face', finger 'dg2', bound to
 * the registration) and its record lists it under `biometrics` with kind 'face'; `chip.face` gives the image's MIME
 * type and the SHA-256 of the image itself. Ingest stores the blob like any other (registration_blobs).
 *
 * An admin opens it with a reason. Like a print, every opening and every refusal is written to print_access_log
 * (kind 'face', finger 'dg2') BEFORE the photo leaves this module, so the auditor's print access log lists it too.
 * No photo, key or name is ever logged.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import type { Db } from '../db/db.ts';
import { logAccess, openSealedBlob, type PrintActor, UUID } from './print-access.ts';
import { PrintError, type PrintErrorCode } from './print-errors.ts';

export const FACE_OPEN_PATH = '/api/v1/admin/faces/:registrationId/open';
export const FACE_KIND = 'face';
export const FACE_FINGER = 'dg2';

export const OpenedFace = Type.Object(
  {
    registrationId: Type.String(),
    officeCode: Type.String(),
    blobId: Type.String(),
    mime: Type.Union([Type.Literal('image/jpeg'), Type.Literal('image/jp2')]),
    /** SHA-256 of the image (as the record's chip.face.sha256 says, checked). */
    sha256: Type.String(),
    /** The image, base64. */
    data: Type.String(),
    /** The print_access_log row of this opening. */
    auditId: Type.String(),
  },
  { additionalProperties: false },
);
export type OpenedFace = Static<typeof OpenedFace>;

interface FaceRow {
  blob_id: string;
  office_code: string;
  mime: string | null;
  image_sha256: string | null;
  data: Uint8Array;
}

/** The face blob the registration's record names (kind 'face'), with the chip summary's description of the image. */
const FACE_SELECT = `SELECT b.blob_id, r.office_code, r.payload->'chip'->'face'->>'mime' AS mime, r.payload->'chip'->'face'->>'sha256' AS image_sha256, b.data
  FROM registrations r
  CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(r.payload->'biometrics') = 'array' THEN r.payload->'biometrics' ELSE '[]'::jsonb END) e
  JOIN registration_blobs b ON b.blob_id = e.value->>'blobId' AND b.registration_id = r.id
  WHERE r.id = $1::uuid AND e.value->>'kind' = '${FACE_KIND}'`;

export interface OpenFaceInput {
  registrationId: string;
  actor: PrintActor;
  reason: string;
}

/** The central opens the face photo of one forwarded registration; audited, refusals too. */
export async function openForwardedFace(db: Db, keyring: ReadonlyMap<string, KeyObject> | undefined, input: OpenFaceInput): Promise<OpenedFace> {
  const known = UUID.test(input.registrationId);
  const log = (outcome: 'opened' | 'refused', blobId: string | null, code?: PrintErrorCode) =>
    logAccess(db, {
      action: 'open',
      actor: input.actor,
      registrationId: known ? input.registrationId : null,
      blobId,
      finger: FACE_FINGER,
      kind: FACE_KIND,
      reason: input.reason,
      outcome,
      ...(code ? { code } : {}),
    });
  const refuse = async (code: PrintErrorCode, message: string, blobId: string | null = null): Promise<never> => {
    await log('refused', blobId, code);
    throw new PrintError(code, message, { registrationId: input.registrationId });
  };
  const [row] = known ? await db.query<FaceRow>(`${FACE_SELECT} LIMIT 1`, [input.registrationId]) : [];
  const mime = row?.mime;
  if (!row || (mime !== 'image/jpeg' && mime !== 'image/jp2')) {
    return refuse('FACE_NOT_FOUND', 'No forwarded registration with that id holds a face photo from the passport chip.');
  }
  if (!keyring || keyring.size === 0) return refuse('PRINT_KEYS_MISSING', 'This central has no encryption key: it cannot open face photos.', row.blob_id);
  let image: Buffer;
  try {
    image = await openSealedBlob(keyring, row.blob_id, Buffer.from(row.data), { kind: 'document-face', registrationId: input.registrationId, finger: FACE_FINGER }, 'face photo');
  } catch (err) {
    if (err instanceof PrintError) await log('refused', row.blob_id, err.code as PrintErrorCode);
    throw err;
  }
  const sha256 = createHash('sha256').update(image).digest('hex');
  if (sha256 !== row.image_sha256) {
    image.fill(0);
    return refuse('PRINT_DAMAGED', "This face photo does not match the digest its record's chip summary gives.", row.blob_id);
  }
  const auditId = await log('opened', row.blob_id);
  const data = image.toString('base64');
  image.fill(0);
  return { registrationId: input.registrationId, officeCode: row.office_code, blobId: row.blob_id, mime, sha256, data, auditId };
}
