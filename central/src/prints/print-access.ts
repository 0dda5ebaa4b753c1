/**
 * Opening forwarded prints at the central, and re-sealing templates for another office's appliance (issue #16 item 3).
 *
 * A forwarded print is a blob of format 2 (protocol/src/print-seal.ts): its content key is sealed to one of the
 * central's X25519 keys (enrolment/central-key.ts keyring). Its place (registration, finger, kind), which the blob's
 * associated data binds, comes from the registration's stored payload (`biometrics[]`, the entry naming the blob).
 *
 * Every opening and every re-sealing is written to print_access_log BEFORE the print leaves this module: if the row
 * cannot be written, nothing is handed out. Refusals are logged as well (who asked for what, and why it was refused).
 * No print, key or name is ever logged.
 */
import type { KeyObject } from 'node:crypto';
import { hpkeSeal, keyIdOf, openPrintV2AtCentral, type PrintContext, PrintSealError, RESEAL_INFO, recipientFromBase64, resealAad } from '@lmc/protocol/print-seal.ts';
import type { OpenedPrint, ResealedTemplates } from '@lmc/protocol/prints-api.ts';
import type { Db, Queryable } from '../db/db.ts';
import { PrintError, type PrintErrorCode } from './print-errors.ts';

export interface PrintActor {
  kind: 'staff' | 'device';
  /** Staff user name or device id. */
  id: string;
  office?: string | null;
}

interface BlobPlace {
  blobId: string;
  registrationId: string;
  officeCode: string;
  finalizedAt: string;
  finger: string;
  kind: 'template' | 'image';
  templateFormat: string | null;
  data: Buffer;
}

interface PlaceRow {
  blob_id: string;
  registration_id: string;
  office_code: string;
  finalized_at: Date | string;
  finger: string | null;
  kind: string | null;
  template_format: string | null;
  data: Uint8Array;
}

const PLACE_SELECT = `SELECT b.blob_id, b.registration_id::text AS registration_id, r.office_code, r.finalized_at,
       e.value->>'finger' AS finger, e.value->>'kind' AS kind, e.value->>'templateFormat' AS template_format, b.data
  FROM registration_blobs b
  JOIN registrations r ON r.id = b.registration_id
  CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(r.payload->'biometrics') = 'array' THEN r.payload->'biometrics' ELSE '[]'::jsonb END) e
  WHERE e.value->>'blobId' = b.blob_id`;

function toPlace(r: PlaceRow): BlobPlace | undefined {
  if (!r.finger || (r.kind !== 'template' && r.kind !== 'image')) return undefined;
  return {
    blobId: r.blob_id,
    registrationId: r.registration_id,
    officeCode: r.office_code,
    finalizedAt: r.finalized_at instanceof Date ? r.finalized_at.toISOString() : new Date(r.finalized_at).toISOString(),
    finger: r.finger,
    kind: r.kind,
    templateFormat: r.template_format,
    data: Buffer.from(r.data),
  };
}

const contextOf = (p: BlobPlace): PrintContext => ({
  kind: p.kind === 'template' ? 'fingerprint-template' : 'fingerprint-image',
  registrationId: p.registrationId,
  finger: p.finger,
});

export interface AccessRow {
  action: 'open' | 'reseal';
  actor: PrintActor;
  registrationId: string | null;
  blobId?: string | null;
  finger?: string | null;
  kind?: string | null;
  reason?: string | null;
  outcome: 'opened' | 'resealed' | 'refused';
  code?: string | null;
}

/** Writes one print_access_log row (an opening, a re-sealing or a refusal); its id. Also the faces' log (face-access.ts). */
export async function logAccess(db: Queryable, row: AccessRow): Promise<string> {
  const [r] = await db.query<{ id: string }>(
    `INSERT INTO print_access_log (action, actor_kind, actor, actor_office, registration_id, blob_id, finger, kind, reason, outcome, code)
     VALUES ($1, $2, $3, $4, $5::uuid, $6, $7, $8, $9, $10, $11) RETURNING id::text AS id`,
    [
      row.action,
      row.actor.kind,
      row.actor.id,
      row.actor.office ?? null,
      row.registrationId,
      row.blobId ?? null,
      row.finger ?? null,
      row.kind ?? null,
      row.reason ?? null,
      row.outcome,
      row.code ?? null,
    ],
  );
  return r?.id ?? '';
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Opens one print with the keyring; a coded PrintError when it cannot be. */
function openPlace(keyring: ReadonlyMap<string, KeyObject>, p: BlobPlace): Promise<Buffer> {
  return openSealedBlob(keyring, p.blobId, p.data, contextOf(p), 'print');
}

/** Opens one forwarded blob of format 2 at its place with the keyring; a coded PrintError when it cannot be. */
export async function openSealedBlob(keyring: ReadonlyMap<string, KeyObject>, blobId: string, data: Buffer, context: PrintContext, noun: string): Promise<Buffer> {
  if (data[0] !== 0x02) {
    throw new PrintError('PRINT_NOT_SEALED_TO_CENTRAL', `This ${noun} was sealed by an appliance enrolled before the central had an encryption key: only that appliance can open it.`, {
      blobId,
    });
  }
  try {
    return await openPrintV2AtCentral(keyring, data, context);
  } catch (err) {
    if (err instanceof PrintSealError && err.reason === 'unknown-key') {
      throw new PrintError('PRINT_KEY_UNKNOWN', `This ${noun} is sealed to a central encryption key this central does not hold (retired and destroyed?).`, { blobId });
    }
    throw new PrintError('PRINT_DAMAGED', `This ${noun} failed its integrity check: it was altered, or its record does not match it.`, { blobId });
  }
}

export interface OpenPrintInput {
  blobId: string;
  actor: PrintActor;
  reason: string;
}

/** The central opens one forwarded print (a template or an image); audited, refusals too. */
export async function openForwardedPrint(db: Db, keyring: ReadonlyMap<string, KeyObject> | undefined, input: OpenPrintInput): Promise<OpenedPrint> {
  const refuse = async (code: PrintErrorCode, registrationId: string | null, place?: BlobPlace) => {
    await logAccess(db, {
      action: 'open',
      actor: input.actor,
      registrationId,
      blobId: input.blobId,
      finger: place?.finger ?? null,
      kind: place?.kind ?? null,
      reason: input.reason,
      outcome: 'refused',
      code,
    });
  };
  const rows = await db.query<PlaceRow>(`${PLACE_SELECT} AND b.blob_id = $1`, [input.blobId]);
  const place = rows.map(toPlace).find((p) => p !== undefined);
  if (!place) {
    await refuse('PRINT_NOT_FOUND', null);
    throw new PrintError('PRINT_NOT_FOUND', 'No forwarded print with that id.', { blobId: input.blobId });
  }
  if (!keyring || keyring.size === 0) {
    await refuse('PRINT_KEYS_MISSING', place.registrationId, place);
    throw new PrintError('PRINT_KEYS_MISSING', 'This central has no encryption key: it cannot open prints.');
  }
  let data: Buffer;
  try {
    data = await openPlace(keyring, place);
  } catch (err) {
    if (err instanceof PrintError) await refuse(err.code as PrintErrorCode, place.registrationId, place);
    throw err;
  }
  const auditId = await logAccess(db, {
    action: 'open',
    actor: input.actor,
    registrationId: place.registrationId,
    blobId: place.blobId,
    finger: place.finger,
    kind: place.kind,
    reason: input.reason,
    outcome: 'opened',
  });
  return {
    blobId: place.blobId,
    registrationId: place.registrationId,
    officeCode: place.officeCode,
    finger: place.finger,
    kind: place.kind,
    templateFormat: place.templateFormat,
    data: data.toString('base64'),
    auditId,
  };
}

export interface ResealInput {
  registrationId: string;
  device: { deviceId: string; officeCode: string };
  /** The request's own signature: bound into every re-sealed template (no answer serves another request). */
  requestTag: string;
}

/**
 * The templates of a registration (made at any office), opened and re-sealed to the requesting appliance's X25519
 * key for a 1:1 verification on its sensor. One audit row per template handed out; refusals audited.
 */
export async function resealTemplates(db: Db, keyring: ReadonlyMap<string, KeyObject> | undefined, input: ResealInput): Promise<ResealedTemplates> {
  const actor: PrintActor = { kind: 'device', id: input.device.deviceId, office: input.device.officeCode };
  const refuse = async (code: PrintErrorCode, message: string): Promise<never> => {
    await logAccess(db, { action: 'reseal', actor, registrationId: UUID.test(input.registrationId) ? input.registrationId : null, outcome: 'refused', code });
    throw new PrintError(code, message, { registrationId: input.registrationId });
  };
  if (!UUID.test(input.registrationId)) return refuse('PRINT_NOT_FOUND', 'No registration with that id holds templates.');
  if (!keyring || keyring.size === 0) return refuse('PRINT_KEYS_MISSING', 'This central has no encryption key: it cannot open prints.');
  const [device] = await db.query<{ encryption_public_key: string | null }>('SELECT encryption_public_key FROM devices WHERE device_id = $1', [input.device.deviceId]);
  let recipient: ReturnType<typeof recipientFromBase64>;
  try {
    recipient = recipientFromBase64(device?.encryption_public_key ?? '');
  } catch {
    return refuse('PRINT_DEVICE_KEY_MISSING', 'This appliance published no encryption key at enrolment: re-enrol it (lmc-provision enrol --rekey) to verify across offices.');
  }
  const places = (await db.query<PlaceRow>(`${PLACE_SELECT} AND b.registration_id = $1::uuid ORDER BY e.value->>'finger'`, [input.registrationId]))
    .map(toPlace)
    .filter((p): p is BlobPlace => p?.kind === 'template' && p.templateFormat !== null);
  if (places.length === 0) return refuse('PRINT_NOT_FOUND', 'No registration with that id holds templates.');
  const templates: ResealedTemplates['templates'] = [];
  let firstRefusal: PrintError | undefined;
  for (const p of places) {
    let template: Buffer;
    try {
      template = await openPlace(keyring, p);
    } catch (err) {
      if (!(err instanceof PrintError)) throw err;
      firstRefusal ??= err;
      continue;
    }
    const templateFormat = p.templateFormat ?? '';
    const aad = resealAad({ deviceId: input.device.deviceId, registrationId: p.registrationId, finger: p.finger, templateFormat, requestTag: input.requestTag });
    const sealed = await hpkeSeal(recipient.publicKey, RESEAL_INFO, aad, template);
    template.fill(0);
    templates.push({ finger: p.finger, templateFormat, keyId: keyIdOf(recipient.publicKey), enc: sealed.enc.toString('base64'), ct: sealed.ct.toString('base64') });
  }
  if (templates.length === 0) return refuse((firstRefusal?.code as PrintErrorCode) ?? 'PRINT_NOT_FOUND', firstRefusal?.message ?? 'No template could be opened.');
  await db.transaction(async (tx) => {
    for (const t of templates) {
      await logAccess(tx, { action: 'reseal', actor, registrationId: input.registrationId, finger: t.finger, kind: 'template', outcome: 'resealed' });
    }
  });
  const first = places[0] as BlobPlace;
  return { registrationId: input.registrationId, officeCode: first.officeCode, finalizedAt: first.finalizedAt, templates };
}

/** The audit of print access, newest first (for auditors). */
export async function listPrintAccess(db: Db, limit = 200): Promise<Array<Record<string, unknown>>> {
  return db.query(
    `SELECT id::text AS id, at, action, actor_kind, actor, actor_office, registration_id::text AS registration_id, blob_id, finger, kind, reason, outcome, code
       FROM print_access_log ORDER BY id DESC LIMIT $1`,
    [limit],
  );
}
