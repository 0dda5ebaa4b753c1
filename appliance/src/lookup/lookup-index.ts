/**
 * The appliance's copy of the central's compact offline index (protocol/src/lookup.ts): keyed-hash prefixes of
 * document keys → the person's latest visits (office, day). In memory a Map (a lookup is one HMAC and one Map get,
 * microseconds); on disk one file, `<dataDir>/lookup-index.bin`, written atomically (core/atomic-file.ts, mode
 * 0600) after each applied page:
 *
 *   4 bytes UInt32BE header length | header JSON {format, epoch, keyId, networkKey, version, offices, updatedAt}
 *   | packed entries (packIndexEntries; hashes sharing one visit list are one entry)
 *
 * The file holds no readable name or document number. It does hold the network key (the appliance needs it to
 * hash a scanned document), so a copy of the data dir could test guessed document numbers against it; the same
 * disk holds this post's own registrations in clear, so the file adds nothing an attacker of the disk lacks for
 * this office, and the key never leaves the appliance otherwise.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@lmc/core/atomic-file.ts';
import {
  documentKey,
  type DocumentKeyParts,
  INDEX_HASH_BYTES,
  type IndexEntry,
  keyedDocumentHash,
  type LookupIndexPage,
  packIndexEntries,
  unpackIndexEntries,
} from '@lmc/protocol/lookup.ts';

export const LOOKUP_INDEX_FILE = 'lookup-index.bin';
const FORMAT = 1;

export interface Visit {
  officeCode: string;
  /** YYYY-MM-DD (the office's local day). */
  day: string;
}

export interface IndexHeader {
  format: number;
  epoch: string;
  keyId: string;
  networkKey: string;
  version: number;
  updatedAt: string;
}

export interface IndexStatus {
  epoch: string | null;
  keyId: string | null;
  version: number;
  /** Documents (hash prefixes) known. */
  documents: number;
  updatedAt: string | null;
  fileBytes: number;
}

export class LookupIndex {
  readonly #path: string | null;
  #header: IndexHeader | null = null;
  #key: Buffer | null = null;
  /** hash prefix (hex) → visits, latest first; hashes of one person share the array. */
  #map = new Map<string, Visit[]>();

  /** `dataDir` null: in memory only (tests, benchmarks). */
  constructor(dataDir: string | null) {
    this.#path = dataDir === null ? null : join(dataDir, LOOKUP_INDEX_FILE);
    if (this.#path) this.#load(this.#path);
  }

  #load(path: string): void {
    let buf: Buffer;
    try {
      buf = readFileSync(path);
    } catch {
      return; // no index yet
    }
    try {
      const n = buf.readUInt32BE(0);
      const header = JSON.parse(buf.subarray(4, 4 + n).toString('utf8')) as IndexHeader & { offices: string[] };
      if (header.format !== FORMAT) return;
      const entries = unpackIndexEntries(buf.subarray(4 + n), header.offices);
      this.#header = { format: header.format, epoch: header.epoch, keyId: header.keyId, networkKey: header.networkKey, version: header.version, updatedAt: header.updatedAt };
      this.#key = Buffer.from(header.networkKey, 'base64');
      for (const e of entries) this.#put(e);
    } catch {
      // A damaged file is dropped: the next pull starts from 0.
      this.#header = null;
      this.#key = null;
      this.#map.clear();
    }
  }

  #put(e: IndexEntry): void {
    const visits = e.visits.map((v) => ({ officeCode: v.officeCode, day: v.day }));
    for (const h of e.hashes) this.#map.set(h, visits);
  }

  /** The version to pull after (0 when empty). */
  get version(): number {
    return this.#header?.version ?? 0;
  }

  get epoch(): string | null {
    return this.#header?.epoch ?? null;
  }

  get keyId(): string | null {
    return this.#header?.keyId ?? null;
  }

  /** The network key, once a page brought it. */
  get networkKey(): Buffer | null {
    return this.#key;
  }

  /**
   * Applies one page: a new epoch or key id empties the copy first (the caller then pulls from 0 — a page from
   * another epoch is applied only when it starts at 0). Returns whether the copy was reset and how many entries
   * came. Saves the file when it has a path.
   */
  apply(page: LookupIndexPage, now: Date = new Date()): { reset: boolean; applied: number } {
    const changed = this.#header !== null && (page.epoch !== this.#header.epoch || page.keyId !== this.#header.keyId);
    if (changed && page.fromVersion !== 0) return { reset: true, applied: 0 };
    if (changed || (this.#header === null && page.fromVersion === 0)) this.#map.clear();
    const entries = unpackIndexEntries(Buffer.from(page.entries, 'base64'), page.offices);
    for (const e of entries) this.#put(e);
    this.#header = { format: FORMAT, epoch: page.epoch, keyId: page.keyId, networkKey: page.networkKey, version: page.toVersion, updatedAt: now.toISOString() };
    this.#key = Buffer.from(page.networkKey, 'base64');
    this.save();
    return { reset: changed, applied: entries.length };
  }

  /** Forgets everything (a new epoch, or a damaged copy). */
  clear(): void {
    this.#header = null;
    this.#key = null;
    this.#map.clear();
    if (this.#path) rmSync(this.#path, { force: true });
  }

  /** The keyed hash (full, hex) of a document under the network key, or null without key or document key. */
  hashOf(doc: DocumentKeyParts | null | undefined): string | null {
    const k = documentKey(doc);
    return k && this.#key ? keyedDocumentHash(this.#key, k) : null;
  }

  /** The visits the index knows for this document (latest first), or undefined. */
  find(doc: DocumentKeyParts | null | undefined): Visit[] | undefined {
    const h = this.hashOf(doc);
    return h ? this.#map.get(h.slice(0, INDEX_HASH_BYTES * 2)) : undefined;
  }

  /** The copy as the file holds it. */
  serialise(): Buffer {
    const byVisits = new Map<Visit[], string[]>();
    for (const [h, visits] of this.#map) {
      const list = byVisits.get(visits);
      if (list) list.push(h);
      else byVisits.set(visits, [h]);
    }
    const offices: string[] = [];
    const packed = packIndexEntries(
      [...byVisits].map(([visits, hashes]) => ({ hashes, visits })),
      offices,
    );
    const header = Buffer.from(JSON.stringify({ ...this.#header, offices }), 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(header.length, 0);
    return Buffer.concat([len, header, packed]);
  }

  save(): void {
    if (!this.#path || !this.#header) return;
    writeFileAtomic(this.#path, this.serialise(), { mode: 0o600 });
  }

  status(): IndexStatus {
    let fileBytes = 0;
    try {
      if (this.#path) fileBytes = statSync(this.#path).size;
    } catch {
      /* not written yet */
    }
    return {
      epoch: this.epoch,
      keyId: this.keyId,
      version: this.version,
      documents: this.#map.size,
      updatedAt: this.#header?.updatedAt ?? null,
      fileBytes,
    };
  }
}
