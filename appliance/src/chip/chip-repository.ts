/**
 * The chip_reads table (chip-schema.ts): one row per registration, the face sealed under the data key and, when the
 * central's encryption key is pinned, to the central too (blob format 2, as the fingerprint vault seals prints).
 * Writes happen inside store.transaction with an audit row; reads never decrypt unless the face itself is asked for.
 * The finalized record names the sealed face under `biometrics` (kind 'face'); the relay forwards it as stored.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { FinalizedBiometric, FinalizedChip } from '@lmc/protocol/finalized-record.ts';
import type { X25519Recipient } from '@lmc/protocol/print-seal.ts';
import { type BlobContext, openBlob, sealBlob } from '../crypto/blob-cipher.ts';
import type { DataKey } from '../crypto/data-key.ts';
import type { Store } from '../store/index.ts';
import type { ChipPaOutcome, ChipResult } from './chip-types.ts';

interface Row {
  registration_id: string;
  printed_mrz: string;
  status: ChipResult['status'];
  code: string | null;
  pa_outcome: ChipPaOutcome | null;
  dg1_match: number | null;
  result_json: string;
  face_blob: Buffer | null;
  face_sha256: string | null;
  face_mime: string | null;
  face_blob_id: string | null;
  face_display_blob: Buffer | null;
  read_at: string;
}

/** The face's place in the record's `biometrics`: as a fingerprint blob's, with DG2 for the finger. */
export const FACE_FINGER = 'dg2';

/** Where a face blob belongs: its own kind in the blob cipher's associated data, apart from any fingerprint blob. */
const faceContext = (registrationId: string): BlobContext => ({ kind: 'document-face', registrationId, finger: FACE_FINGER });

/** The JPEG derived from a JPEG 2000 face for display: its own place, never taken for the face as read. */
const displayContext = (registrationId: string): BlobContext => ({ kind: 'document-face', registrationId, finger: `${FACE_FINGER}-display` });

/** A stored result with the fields later versions added: accessProtocol from accessControl on older reads. */
function resultOf(json: string): ChipResult {
  const r = JSON.parse(json) as Omit<ChipResult, 'accessProtocol'> & { accessProtocol?: ChipResult['accessProtocol'] };
  return { ...r, accessProtocol: r.accessProtocol ?? r.accessControl };
}

const hasTable = new WeakMap<Database, boolean>();

/** Whether the store has the chip table: a store opened without the chip migration (tools, some tests) has none. */
export function hasChipTable(db: Database): boolean {
  let present = hasTable.get(db);
  if (present === undefined) {
    present = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'chip_reads'").get() !== undefined;
    if (present) hasTable.set(db, true);
  }
  return present;
}

/** The record's chip summary from a stored row (no key needed: nothing is decrypted). */
export function readChipSummary(db: Database, registrationId: string): FinalizedChip | undefined {
  if (!hasChipTable(db)) return undefined;
  const row = db.prepare('SELECT * FROM chip_reads WHERE registration_id = ?').get(registrationId) as Row | undefined;
  if (!row) return undefined;
  const result = resultOf(row.result_json);
  return {
    status: row.status,
    code: row.code,
    accessControl: result.accessControl,
    ...(result.accessProtocol ? { accessProtocol: result.accessProtocol } : {}),
    paOutcome: row.pa_outcome,
    dg1Match: row.dg1_match === null ? null : row.dg1_match === 1,
    face: result.face ? { sha256: result.face.sha256, mime: result.face.mime, bytes: result.face.bytes } : null,
    readAt: row.read_at,
  };
}

/**
 * The record's reference to the sealed face (kind 'face'), or undefined when the read kept no face or the face has no
 * blob id (stored before migration 'chip-face-blob-id' on a registration finalized then). The SHA-256 and size are
 * of the ciphertext as stored, the key id from its header (bytes 1..8, crypto/blob-cipher.ts): nothing decrypted.
 */
export function readChipFaceBlob(db: Database, registrationId: string): FinalizedBiometric | undefined {
  if (!hasChipTable(db)) return undefined;
  const row = db
    .prepare('SELECT face_blob_id, face_blob FROM chip_reads WHERE registration_id = ? AND face_blob IS NOT NULL AND face_blob_id IS NOT NULL')
    .get(registrationId) as { face_blob_id: string; face_blob: Buffer } | undefined;
  if (!row) return undefined;
  return {
    finger: FACE_FINGER,
    kind: 'face',
    blobId: row.face_blob_id,
    sha256: createHash('sha256').update(row.face_blob).digest('hex'),
    bytes: row.face_blob.length,
    keyId: row.face_blob.subarray(1, 9).toString('hex'),
    templateFormat: null,
  };
}

export class ChipRepository {
  readonly #store: Store;
  readonly #key: DataKey;
  readonly #central: X25519Recipient | null;

  /**
   * `central`: the central's encryption key pinned at enrolment (keys/central-trust.ts): faces are then also sealed
   * to it (blob format 2) so the central can open what the relay forwards. Absent: format 1, this appliance only.
   */
  constructor(store: Store, key: DataKey, central?: X25519Recipient | null) {
    this.#store = store;
    this.#key = key;
    this.#central = central ?? null;
  }

  /**
   * Records a read on a registration (replacing an earlier one), with its audit row, in one transaction. `display`:
   * the JPEG derived from a JPEG 2000 face, sealed under the data key only (it is not forwarded).
   */
  save(registrationId: string, printedMrz: readonly string[], result: ChipResult, face: Buffer | null, actor: string, display: Buffer | null = null): void {
    const db = this.#store.connection;
    this.#store.transaction('chip.read', () => {
      db.prepare(
        `INSERT INTO chip_reads (registration_id, printed_mrz, status, code, access_control, pa_outcome, dg1_match, result_json, face_blob, face_sha256, face_mime, face_blob_id, face_display_blob, read_at)
         VALUES (@id, @mrz, @status, @code, @access, @pa, @dg1, @json, @blob, @sha, @mime, @blobId, @display, @at)
         ON CONFLICT (registration_id) DO UPDATE SET printed_mrz = excluded.printed_mrz, status = excluded.status, code = excluded.code,
           access_control = excluded.access_control, pa_outcome = excluded.pa_outcome, dg1_match = excluded.dg1_match,
           result_json = excluded.result_json, face_blob = excluded.face_blob, face_sha256 = excluded.face_sha256,
           face_mime = excluded.face_mime, face_blob_id = excluded.face_blob_id, face_display_blob = excluded.face_display_blob,
           read_at = excluded.read_at`,
      ).run({
        id: registrationId,
        mrz: printedMrz.join('\n'),
        status: result.status,
        code: result.code,
        access: result.accessControl,
        pa: result.passiveAuthentication?.outcome ?? null,
        dg1: result.dg1 ? (result.dg1.match ? 1 : 0) : null,
        json: JSON.stringify(result),
        blob: face && result.face ? sealBlob(this.#key, face, faceContext(registrationId), this.#central) : null,
        sha: face && result.face ? result.face.sha256 : null,
        mime: face && result.face ? result.face.mime : null,
        // A new id with every read: the record names the face it finalized with, never an earlier one.
        blobId: face && result.face ? randomUUID() : null,
        display: face && result.face && display ? sealBlob(this.#key, display, displayContext(registrationId), null) : null,
        at: result.readAt,
      });
      // Outcomes only: never a name, a document number or the photo.
      this.#store.audit.append({
        actor,
        action: 'chip.read',
        entityType: 'registration',
        entityId: registrationId,
        details: { status: result.status, code: result.code, pa: result.passiveAuthentication?.outcome ?? null, dg1Match: result.dg1?.match ?? null },
      });
    });
  }

  /** Drops the chip read of a registration whose document changed; true when there was one. */
  dropIfOtherDocument(registrationId: string, printedMrz: readonly string[]): boolean {
    const db = this.#store.connection;
    return this.#store.transaction('chip.stale', () => {
      const r = db.prepare('DELETE FROM chip_reads WHERE registration_id = ? AND printed_mrz <> ?').run(registrationId, printedMrz.join('\n'));
      return r.changes > 0;
    });
  }

  result(registrationId: string): ChipResult | null {
    const row = this.#store.connection.prepare('SELECT result_json FROM chip_reads WHERE registration_id = ?').get(registrationId) as Pick<Row, 'result_json'> | undefined;
    return row ? resultOf(row.result_json) : null;
  }

  /**
   * The sealed face exactly as stored, by the blob id the finalized record lists (readChipFaceBlob): what the relay
   * attaches when it forwards the record. Nothing is decrypted. Undefined once purged or read again (a new id).
   */
  sealedFace(blobId: string): Buffer | undefined {
    const row = this.#store.connection.prepare('SELECT face_blob FROM chip_reads WHERE face_blob_id = ?').get(blobId) as Pick<Row, 'face_blob'> | undefined;
    return row?.face_blob ?? undefined;
  }

  /**
   * The face to look at: the image itself when it is JPEG, the JPEG derived from a JPEG 2000 face, or null when the
   * read has no face or its JPEG 2000 could not be decoded.
   */
  displayFace(registrationId: string): { mime: 'image/jpeg'; data: Buffer } | null {
    const row = this.#store.connection.prepare('SELECT face_blob, face_mime, face_display_blob FROM chip_reads WHERE registration_id = ?').get(registrationId) as
      | Pick<Row, 'face_blob' | 'face_mime' | 'face_display_blob'>
      | undefined;
    if (!row?.face_blob) return null;
    if (row.face_mime === 'image/jpeg') return { mime: 'image/jpeg', data: openBlob(this.#key, row.face_blob, faceContext(registrationId)) };
    return row.face_display_blob ? { mime: 'image/jpeg', data: openBlob(this.#key, row.face_display_blob, displayContext(registrationId)) } : null;
  }

  /** The decrypted face image as read, or null when the read has none. */
  face(registrationId: string): { mime: string; data: Buffer } | null {
    const row = this.#store.connection.prepare('SELECT face_blob, face_mime FROM chip_reads WHERE registration_id = ?').get(registrationId) as
      | Pick<Row, 'face_blob' | 'face_mime'>
      | undefined;
    if (!row?.face_blob || !row.face_mime) return null;
    return { mime: row.face_mime, data: openBlob(this.#key, row.face_blob, faceContext(registrationId)) };
  }
}
