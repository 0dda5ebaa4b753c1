/**
 * The network key: 32 random bytes under which document keys are hashed (protocol/src/lookup.ts keyedDocumentHash)
 * for online lookups and the offline index. Made on first use and kept in network_keys (one current); handed to
 * enrolled appliances only inside signed index pages over the pinned TLS link.
 *
 * Rotation (rotateNetworkKey): a new current key, every stored document hash recomputed under it in the same
 * transaction, and every person's index version bumped, so appliances see a new keyId on their next index pull,
 * discard their copy and pull it again from 0. The retired key is kept (retired_at) for the record, never served.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/db.ts';
import { keyedDocumentHash } from '@lmc/protocol/lookup.ts';
import { PERSON_INDEX_LOCK_KEY } from './schema.ts';

export interface NetworkKey {
  keyId: string;
  key: Buffer;
}

function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

async function current(db: Queryable): Promise<NetworkKey | undefined> {
  const rows = await db.query<{ key_id: string; key: Uint8Array }>('SELECT key_id, key FROM network_keys WHERE current');
  const row = rows[0];
  return row ? { keyId: row.key_id, key: Buffer.from(row.key) } : undefined;
}

/** The current network key, made now when there is none (two callers racing end with one). */
export async function currentNetworkKey(db: Queryable): Promise<NetworkKey> {
  const found = await current(db);
  if (found) return found;
  const key = randomBytes(32);
  await db.query('INSERT INTO network_keys (key_id, key, current) VALUES ($1, $2, true) ON CONFLICT DO NOTHING', [keyIdOf(key), key]);
  const made = await current(db);
  if (!made) throw new Error('network key could not be stored');
  return made;
}

/** A new current key; document hashes recomputed, index versions bumped (appliances reload). */
export async function rotateNetworkKey(db: Queryable): Promise<NetworkKey> {
  await db.query('SELECT pg_advisory_xact_lock($1)', [PERSON_INDEX_LOCK_KEY]);
  const key = randomBytes(32);
  const keyId = keyIdOf(key);
  await db.query('UPDATE network_keys SET current = NULL, retired_at = now() WHERE current');
  await db.query('INSERT INTO network_keys (key_id, key, current) VALUES ($1, $2, true)', [keyId, key]);
  const docs = await db.query<{ doc_key: string }>('SELECT doc_key FROM person_documents');
  const rows = docs.map((d) => ({ doc_key: d.doc_key, doc_hash: keyedDocumentHash(key, d.doc_key) }));
  if (rows.length > 0) {
    await db.query(
      `UPDATE person_documents p SET doc_hash = r.doc_hash, key_id = $2
       FROM jsonb_to_recordset($1::text::jsonb) AS r(doc_key text, doc_hash text) WHERE p.doc_key = r.doc_key`,
      [JSON.stringify(rows), keyId],
    );
  }
  await db.query("UPDATE persons SET index_version = nextval('person_index_seq')");
  return { keyId, key };
}
