/**
 * The chip_reads table (chip-schema.ts): one row per registration, the face sealed under the data key. Writes
 * happen inside store.transaction with an audit row; reads never decrypt unless the face itself is asked for.
 */
import type { Database } from 'better-sqlite3';
import type { FinalizedChip } from '@lmc/protocol/finalized-record.ts';
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
  read_at: string;
}

/** Where a face blob belongs: its own kind in the blob cipher's associated data, apart from any fingerprint blob. */
const faceContext = (registrationId: string): BlobContext => ({ kind: 'document-face', registrationId, finger: 'dg2' });

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
  const result = JSON.parse(row.result_json) as ChipResult;
  return {
    status: row.status,
    code: row.code,
    accessControl: result.accessControl,
    paOutcome: row.pa_outcome,
    dg1Match: row.dg1_match === null ? null : row.dg1_match === 1,
    face: result.face ? { sha256: result.face.sha256, mime: result.face.mime, bytes: result.face.bytes } : null,
    readAt: row.read_at,
  };
}

export class ChipRepository {
  readonly #store: Store;
  readonly #key: DataKey;

  constructor(store: Store, key: DataKey) {
    this.#store = store;
    this.#key = key;
  }

  /** Records a read on a registration (replacing an earlier one), with its audit row, in one transaction. */
  save(registrationId: string, printedMrz: readonly string[], result: ChipResult, face: Buffer | null, actor: string): void {
    const db = this.#store.connection;
    this.#store.transaction('chip.read', () => {
      db.prepare(
        `INSERT INTO chip_reads (registration_id, printed_mrz, status, code, access_control, pa_outcome, dg1_match, result_json, face_blob, face_sha256, face_mime, read_at)
         VALUES (@id, @mrz, @status, @code, @access, @pa, @dg1, @json, @blob, @sha, @mime, @at)
         ON CONFLICT (registration_id) DO UPDATE SET printed_mrz = excluded.printed_mrz, status = excluded.status, code = excluded.code,
           access_control = excluded.access_control, pa_outcome = excluded.pa_outcome, dg1_match = excluded.dg1_match,
           result_json = excluded.result_json, face_blob = excluded.face_blob, face_sha256 = excluded.face_sha256,
           face_mime = excluded.face_mime, read_at = excluded.read_at`,
      ).run({
        id: registrationId,
        mrz: printedMrz.join('\n'),
        status: result.status,
        code: result.code,
        access: result.accessControl,
        pa: result.passiveAuthentication?.outcome ?? null,
        dg1: result.dg1 ? (result.dg1.match ? 1 : 0) : null,
        json: JSON.stringify(result),
        blob: face && result.face ? sealBlob(this.#key, face, faceContext(registrationId)) : null,
        sha: face && result.face ? result.face.sha256 : null,
        mime: face && result.face ? result.face.mime : null,
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
    return row ? (JSON.parse(row.result_json) as ChipResult) : null;
  }

  /** The decrypted face image, or null when the read has none. */
  face(registrationId: string): { mime: string; data: Buffer } | null {
    const row = this.#store.connection.prepare('SELECT face_blob, face_mime FROM chip_reads WHERE registration_id = ?').get(registrationId) as
      | Pick<Row, 'face_blob' | 'face_mime'>
      | undefined;
    if (!row?.face_blob || !row.face_mime) return null;
    return { mime: row.face_mime, data: openBlob(this.#key, row.face_blob, faceContext(registrationId)) };
  }
}
