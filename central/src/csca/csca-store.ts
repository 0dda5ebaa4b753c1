/**
 * Writing and reading the central's CSCA certificates. Every change is one transaction: the rows of
 * ref_csca_certificates (whose trigger feeds the reference pull, reference/schema.ts) and the csca_uploads
 * audit row commit together or not at all.
 */
import type { Db, Queryable } from '../db/db.ts';
import { referenceHead } from '../reference/feed.ts';
import type { CscaNote, ParsedCscaUpload } from './csca-parse.ts';
import { centralError } from '../errors.ts';

export interface CscaChange {
  uploadId: string;
  at: string;
  added: number;
  unchanged: number;
  removed: number;
  /** Reference feed head after the change (the version the appliances will reach). */
  version: number;
}

export interface CscaListed {
  fingerprint: string;
  country: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  expired: boolean;
}

export interface CscaAuditEntry {
  uploadId: string;
  at: string;
  actor: string;
  action: 'upload' | 'delete';
  form: string | null;
  replaceAll: boolean;
  masterListSigner: string | null;
  added: number;
  removed: number;
  unchanged: number;
  warnings: number;
}

/** JSON text for a text[] placeholder (the Db seam takes scalars only). */
const ARRAY = (n: number) => `ARRAY(SELECT jsonb_array_elements_text($${n}::text::jsonb))`;

async function audit(
  tx: Queryable,
  e: { actor: string; action: 'upload' | 'delete'; upload?: ParsedCscaUpload; replaceAll?: boolean; added: string[]; removed: string[]; unchanged: number; notes?: CscaNote[] },
): Promise<{ upload_id: string; at: string }> {
  const rows = await tx.query<{ upload_id: string; at: string }>(
    `INSERT INTO csca_uploads (actor, action, form, replace_all, source_sha256, master_list_signer, added, removed, unchanged, warnings)
     VALUES ($1, $2, $3, $4, $5, $6, ${ARRAY(7)}, ${ARRAY(8)}, $9, $10::text::jsonb)
     RETURNING upload_id::text AS upload_id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at`,
    [
      e.actor,
      e.action,
      e.upload?.form ?? null,
      e.replaceAll ?? false,
      e.upload?.sourceSha256 ?? null,
      e.upload?.masterListSigner ?? null,
      JSON.stringify(e.added),
      JSON.stringify(e.removed),
      e.unchanged,
      JSON.stringify(e.notes ?? []),
    ],
  );
  return rows[0] as { upload_id: string; at: string };
}

/**
 * Adds the upload's certificates (one already held is left as it is); with `replaceAll`, also removes every
 * certificate the upload does not contain (a new master list that withdrew a state's CSCA).
 */
export async function storeCscaUpload(db: Db, upload: ParsedCscaUpload, o: { actor: string; replaceAll: boolean }): Promise<CscaChange> {
  const change = await db.transaction(async (tx) => {
    const added: string[] = [];
    for (const r of upload.rows) {
      const done = await tx.query<{ fingerprint: string }>(
        `INSERT INTO ref_csca_certificates (fingerprint, country, subject, not_before, not_after, der_base64)
         VALUES ($1, $2, $3, $4::date, $5::date, $6) ON CONFLICT (fingerprint) DO NOTHING RETURNING fingerprint`,
        [r.fingerprint, r.country, r.subject, r.not_before, r.not_after, r.der_base64],
      );
      if (done.length > 0) added.push(r.fingerprint);
    }
    const removed = o.replaceAll
      ? (
          await tx.query<{ fingerprint: string }>(
            `DELETE FROM ref_csca_certificates WHERE fingerprint NOT IN (SELECT jsonb_array_elements_text($1::text::jsonb)) RETURNING fingerprint`,
            [JSON.stringify(upload.rows.map((r) => r.fingerprint))],
          )
        ).map((r) => r.fingerprint)
      : [];
    const unchanged = upload.rows.length - added.length;
    const a = await audit(tx, { actor: o.actor, action: 'upload', upload, replaceAll: o.replaceAll, added, removed, unchanged, notes: [...upload.refused.map((n) => ({ ...n, refused: true })), ...upload.warnings] });
    return { uploadId: a.upload_id, at: a.at, added: added.length, unchanged, removed: removed.length };
  });
  return { ...change, version: await referenceHead(db) };
}

export async function deleteCsca(db: Db, fingerprint: string, actor: string): Promise<CscaChange> {
  const change = await db.transaction(async (tx) => {
    const gone = await tx.query<{ fingerprint: string }>('DELETE FROM ref_csca_certificates WHERE fingerprint = $1 RETURNING fingerprint', [fingerprint]);
    if (gone.length === 0) throw centralError('CSCA_NOT_FOUND', 'No CSCA certificate with that fingerprint', { fingerprint });
    const a = await audit(tx, { actor, action: 'delete', added: [], removed: [fingerprint], unchanged: 0 });
    return { uploadId: a.upload_id, at: a.at, added: 0, unchanged: 0, removed: 1 };
  });
  return { ...change, version: await referenceHead(db) };
}

export async function listCscas(db: Queryable, now: Date): Promise<{ certificates: CscaListed[]; changes: CscaAuditEntry[] }> {
  const rows = await db.query<{ fingerprint: string; country: string; subject: string; not_before: string; not_after: string }>(
    `SELECT fingerprint, country, subject, to_char(not_before, 'YYYY-MM-DD') AS not_before, to_char(not_after, 'YYYY-MM-DD') AS not_after
     FROM ref_csca_certificates ORDER BY country, not_before, fingerprint`,
  );
  const today = now.toISOString().slice(0, 10);
  const changes = await db.query<{
    upload_id: string; at: string; actor: string; action: 'upload' | 'delete'; form: string | null; replace_all: boolean;
    master_list_signer: string | null; added: number; removed: number; unchanged: number; warnings: number;
  }>(
    `SELECT upload_id::text AS upload_id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, actor, action, form, replace_all,
            master_list_signer, cardinality(added) AS added, cardinality(removed) AS removed, unchanged, jsonb_array_length(warnings) AS warnings
     FROM csca_uploads ORDER BY at DESC, upload_id LIMIT 50`,
  );
  return {
    certificates: rows.map((r) => ({ fingerprint: r.fingerprint, country: r.country, subject: r.subject, notBefore: r.not_before, notAfter: r.not_after, expired: r.not_after < today })),
    changes: changes.map((c) => ({
      uploadId: c.upload_id, at: c.at, actor: c.actor, action: c.action, form: c.form, replaceAll: c.replace_all,
      masterListSigner: c.master_list_signer, added: Number(c.added), removed: Number(c.removed), unchanged: Number(c.unchanged), warnings: Number(c.warnings),
    })),
  };
}
