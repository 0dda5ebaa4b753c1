/**
 * The CSCA certificates that arrived from the central with the signed reference pull (table
 * ref_csca_certificates, csca-sync-schema.ts), as pkijs certificates for passive authentication.
 *
 * Read again only when the reference copy moved (ref_sync_state.version), and then only the certificates not
 * parsed before: a chip read after a scan costs one indexed SELECT. A row whose bytes do not parse, or do not
 * hash to its fingerprint, is left out and reported (the central checked it; this guards the copy on disk).
 */
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { Logger } from '@lmc/core/logger.ts';
import { parseCertificate } from '@lmc/protocol/csca-list.ts';
import type * as pkijs from 'pkijs';

export interface SyncedCscaSet {
  /** ref_sync_state.version these were read at. */
  readonly version: number;
  readonly certificates: ReadonlyMap<string, pkijs.Certificate>;
  readonly refused: readonly { file: string; reason: string }[];
}

export class SyncedCscas {
  readonly #db: Database;
  readonly #log: Logger;
  #set: SyncedCscaSet = { version: -1, certificates: new Map(), refused: [] };

  constructor(db: Database, log: Logger) {
    this.#db = db;
    this.#log = log;
  }

  /** The current set; the same object until the reference copy changes. */
  current(): SyncedCscaSet {
    const version = (this.#db.prepare('SELECT version FROM ref_sync_state WHERE id = 1').get() as { version: number } | undefined)?.version ?? 0;
    if (version === this.#set.version) return this.#set;
    const rows = this.#db.prepare('SELECT fingerprint, der_base64 FROM ref_csca_certificates ORDER BY fingerprint').all() as { fingerprint: string; der_base64: string }[];
    const certificates = new Map<string, pkijs.Certificate>();
    const refused: { file: string; reason: string }[] = [];
    for (const r of rows) {
      const known = this.#set.certificates.get(r.fingerprint);
      if (known) {
        certificates.set(r.fingerprint, known);
        continue;
      }
      const der = Buffer.from(r.der_base64, 'base64');
      try {
        if (createHash('sha256').update(der).digest('hex') !== r.fingerprint) throw new Error('the certificate does not match its fingerprint');
        certificates.set(r.fingerprint, parseCertificate(der));
      } catch (err) {
        refused.push({ file: `central:${r.fingerprint}`, reason: (err as Error).message.slice(0, 200) });
      }
    }
    if (refused.length > 0) this.#log.error({ refused: refused.length }, 'CSCA certificates from the central left out: they do not parse');
    if (certificates.size !== this.#set.certificates.size || refused.length > 0) {
      this.#log.info({ certificates: certificates.size, version }, 'CSCA certificates from the central');
    }
    this.#set = { version, certificates, refused };
    return this.#set;
  }
}
