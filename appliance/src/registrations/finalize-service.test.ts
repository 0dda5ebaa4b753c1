import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createHash, createSecretKey } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@lmc/core/logger.ts';
import type { DataKey } from '../crypto/data-key.ts';
import { TemplateVault } from '../fingerprints/template-vault.ts';
import { DetailsRepository } from '../registrations-details/details-repository.ts';
import type { RegistrationDetails } from '../registrations-details/details-validator.ts';
import { SAVED_DETAILS } from '../registrations-details/test-support.ts';
import { createStore, migrate, openDatabase, type Store } from '../store/index.ts';
import { MIGRATIONS, openApplianceStore } from '../schema.ts';
import { passport } from '../store/test-support.ts';
import { createFinalizeService } from './finalize-service.ts';

const OFFICER = 'BBR-017';
const EARLIER = '0b4e8c1a-2f3d-4a5b-9c6d-7e8f9a0b1c2d';
const REG = '5d2f0e6a-3c4b-4d1e-8f7a-9b0c1d2e3f4a';
const BARE = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const EXCUSED = '9c8b7a6d-5e4f-4d3c-ab1a-0f9e8d7c6b5a';
const SEEDED_AT = '2026-11-23T08:00:00.000Z';
const FINALIZED_AT = '2026-11-23T08:05:00.000Z';
// A fixed data key: the blob header (version byte, then these 8 bytes) is then known in advance.
const KEY: DataKey = { keyId: 'a1b2c3d4e5f60718', key: createSecretKey(Buffer.alloc(32, 7)), path: '', created: false, permissive: false };
const TEMPLATE = Buffer.alloc(512, 0x11);
const IMAGE = Buffer.alloc(200, 0x22);

const DETAILS: RegistrationDetails = {
  ...SAVED_DETAILS,
  employerId: 'DEMO-EMP-001',
  employerName: 'Limpopo Citrus (demo)',
  consent: { given: true, language: 'sn', readAt: '2026-11-23T07:58:00.000Z', recordedAt: '2026-11-23T07:59:00.000Z' },
};

const quiet = createLogger('test');

/** The same people, details and prints as an officer would leave them: an earlier visit, then REG, BARE and EXCUSED. */
function seed(store: Store): void {
  const vault = new TemplateVault({ db: store.connection, key: KEY });
  const details = new DetailsRepository({ db: store.connection });
  const start = (id: string, documentNumber: string) => {
    store.registrations.create({ id, officeCode: 'BBR', officerId: OFFICER });
    store.registrations.attachDocument(id, passport(documentNumber), OFFICER);
  };
  start(EARLIER, 'ZW1234567');
  store.registrations.finalize(EARLIER, OFFICER);
  // REG: the same passport again (a returning migrant), details, 2 captured fingers (one with its image) and 1 exception.
  start(REG, 'ZW1234567');
  details.save(REG, DETAILS, OFFICER);
  vault.saveCapture({ registrationId: REG, finger: 'right-index', quality: 87, attempts: 1, templateFormat: 'zfm-r30x', template: TEMPLATE, imagePng: IMAGE, actor: OFFICER });
  vault.saveCapture({ registrationId: REG, finger: 'left-index', quality: 74, attempts: 2, templateFormat: 'zfm-r30x', template: TEMPLATE, actor: OFFICER });
  vault.saveException({ registrationId: REG, finger: 'right-thumb', reason: 'bandaged', attempts: 3, approvedBy: 'SUP-001', actor: OFFICER });
  // BARE: finalized below the HTTP layer, nothing but the document.
  start(BARE, 'ZW7654321');
  // EXCUSED: details, a first visit, every finger on record excused (no sealed blob at all).
  start(EXCUSED, 'ZW5550001');
  details.save(EXCUSED, { ...DETAILS, employerId: null, employerName: null }, OFFICER);
  vault.saveException({ registrationId: EXCUSED, finger: 'left-thumb', reason: 'amputated', attempts: 0, approvedBy: 'SUP-001', actor: OFFICER });
}

const payloadText = (store: Store, id: string): string | undefined =>
  store.connection.prepare('SELECT payload_json FROM outbox WHERE registration_id = ?').pluck().get(id) as string | undefined;

describe('finalize service', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'finalize-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** A store at `version` (9: the triggers still there), seeded, closed: the same file can be finalized two ways. */
  function seededFile(version: number): string {
    const dir = join(root, `seed-${version}`);
    const path = join(dir, 'appliance.db');
    const db = openDatabase(path, dir, quiet);
    migrate(db, MIGRATIONS.slice(0, version));
    const store = createStore(db, { path, logger: quiet, now: () => new Date(SEEDED_AT) });
    seed(store);
    store.close();
    return path;
  }

  function copyTo(file: string, name: string): string {
    const dir = join(root, name);
    mkdirSync(dir);
    copyFileSync(file, join(dir, 'appliance.db'));
    return dir;
  }

  it('builds exactly the record the SQL triggers built, byte for byte, and the triggers are gone', () => {
    const seeded = seededFile(9);

    // Before: schema 9, the store's bare record completed by the outbox triggers.
    const beforeDir = copyTo(seeded, 'before');
    const beforePath = join(beforeDir, 'appliance.db');
    const before = createStore(openDatabase(beforePath, beforeDir, quiet), { path: beforePath, logger: quiet, now: () => new Date(FINALIZED_AT) });
    // After: migrated to the latest schema, the finalize service.
    const after = openApplianceStore({ dataDir: copyTo(seeded, 'after'), now: () => new Date(FINALIZED_AT) });
    try {
      const triggers = (s: Store) =>
        s.connection.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'outbox' ORDER BY name").pluck().all();
      expect(triggers(before)).toEqual(['outbox_fingerprint_summary', 'outbox_registration_details']);
      expect(triggers(after)).toEqual([]);
      // The earlier visit was finalized before the migration: its row is untouched by it.
      expect(payloadText(after, EARLIER)).toBe(payloadText(before, EARLIER));

      const service = createFinalizeService({ store: after });
      for (const id of [REG, BARE, EXCUSED]) {
        before.registrations.finalize(id, OFFICER);
        service.finalize(id, OFFICER);
        expect(payloadText(after, id), id).toBe(payloadText(before, id));
      }
    } finally {
      before.close();
      after.close();
    }
  });

  it('queues the record written out here for a returning migrant with details, 2 captured fingers and 1 exception', () => {
    const store = openApplianceStore({ dataDir: copyTo(seededFile(MIGRATIONS.length), 'golden'), now: () => new Date(FINALIZED_AT) });
    try {
      createFinalizeService({ store }).finalize(REG, OFFICER);
      // Ids and ciphertexts are random (blob ids, GCM nonces): read them raw and digest them here, not with the vault.
      const rows = store.connection
        .prepare('SELECT finger, template_blob, template_blob_id, image_blob, image_blob_id FROM fingerprints WHERE registration_id = ? ORDER BY finger')
        .all(REG) as Array<{ finger: string; template_blob: Buffer | null; template_blob_id: string | null; image_blob: Buffer | null; image_blob_id: string | null }>;
      const [leftIndex, rightIndex] = rows;
      const sha256 = (b: Buffer | null | undefined) => createHash('sha256').update(b ?? Buffer.alloc(0)).digest('hex');
      for (const blob of [leftIndex?.template_blob, rightIndex?.template_blob, rightIndex?.image_blob]) {
        // Header of every sealed blob: format 01, then the key id (crypto/blob-cipher.ts).
        expect(blob?.subarray(0, 9).toString('hex')).toBe('01a1b2c3d4e5f60718');
      }

      expect(JSON.parse(payloadText(store, REG) ?? 'null')).toEqual({
        type: 'registration.finalized',
        payloadVersion: 1,
        registration: {
          id: REG,
          officeCode: 'BBR',
          officerId: 'BBR-017',
          status: 'finalized',
          createdAt: '2026-11-23T08:00:00.000Z',
          updatedAt: '2026-11-23T08:05:00.000Z',
          finalizedAt: '2026-11-23T08:05:00.000Z',
          version: 3,
          // The parser's whole object, as the officer attached it.
          document: passport('ZW1234567'),
        },
        fingerprints: { captured: 2, exceptions: [{ finger: 'right-thumb', reason: 'bandaged' }], templates: 'sealed-in-biometrics' },
        biometrics: [
          // 37 bytes of header, nonce and tag (crypto/blob-cipher.ts) + 512 of template, + 200 of image.
          { finger: 'left-index', kind: 'template', blobId: leftIndex?.template_blob_id, sha256: sha256(leftIndex?.template_blob), bytes: 549, keyId: 'a1b2c3d4e5f60718', templateFormat: 'zfm-r30x' },
          { finger: 'right-index', kind: 'template', blobId: rightIndex?.template_blob_id, sha256: sha256(rightIndex?.template_blob), bytes: 549, keyId: 'a1b2c3d4e5f60718', templateFormat: 'zfm-r30x' },
          { finger: 'right-index', kind: 'image', blobId: rightIndex?.image_blob_id, sha256: sha256(rightIndex?.image_blob), bytes: 237, keyId: 'a1b2c3d4e5f60718', templateFormat: 'zfm-r30x' },
        ],
        // The details travel whole, exactly as saved.
        details: DETAILS,
        returning: true,
      });
      // The blob ids are the vault's: the relay fetches exactly these ciphertexts.
      expect(leftIndex?.template_blob_id).toMatch(/^[0-9a-f-]{36}$/);
      // The desk's banner and the record use the one rule.
      expect(store.registrations.previousRegistrations(REG)).toEqual([EARLIER]);
      expect(store.registrations.isReturning(BARE)).toBe(false);
    } finally {
      store.close();
    }
  });

  it('rolls the whole finalize back when building the record fails: still captured, no outbox row, no audit row', () => {
    const store = openApplianceStore({ dataDir: copyTo(seededFile(MIGRATIONS.length), 'rollback'), now: () => new Date(FINALIZED_AT) });
    try {
      const unreadable = createFinalizeService({
        store,
        fingerprints: {
          finalizedSummary: () => {
            throw new Error('vault unreadable');
          },
        },
      });
      const auditRows = () => store.connection.prepare('SELECT COUNT(*) FROM audit_log').pluck().get();
      const auditBefore = auditRows();
      const depthBefore = store.outbox.depth();

      expect(() => unreadable.finalize(REG, OFFICER)).toThrow('vault unreadable');
      expect(store.registrations.get(REG)).toMatchObject({ status: 'captured', finalizedAt: null, version: 2 });
      expect(payloadText(store, REG)).toBeUndefined();
      expect(store.outbox.depth()).toBe(depthBefore);
      expect(auditRows()).toBe(auditBefore);
      expect(store.audit.forEntity('registration', REG).map((a) => a.action)).not.toContain('registration.finalized');

      // A record that is not a FinalizedRecordV1 is refused the same way.
      const broken = createFinalizeService({ store, details: { recorded: () => ({ ...DETAILS, homeDistrict: 42 }) as unknown as RegistrationDetails } });
      expect(() => broken.finalize(REG, OFFICER)).toThrow(expect.objectContaining({ code: 'FINALIZED_RECORD_INVALID' }));
      expect(store.registrations.get(REG)?.status).toBe('captured');
      expect(auditRows()).toBe(auditBefore);

      // Nothing was left half done: the real service finalizes it.
      expect(createFinalizeService({ store }).finalize(REG, OFFICER).status).toBe('finalized');
      expect(store.outbox.depth()).toBe(depthBefore + 1);
      expect(store.audit.verify()).toMatchObject({ ok: true });
    } finally {
      store.close();
    }
  });

  it('is idempotent: a finalized registration comes back as is, without building another record', () => {
    const store = openApplianceStore({ dataDir: copyTo(seededFile(MIGRATIONS.length), 'again'), now: () => new Date(FINALIZED_AT) });
    try {
      const service = createFinalizeService({ store });
      const first = service.finalize(BARE, OFFICER);
      let built = 0;
      const counting = createFinalizeService({
        store,
        fingerprints: {
          finalizedSummary: () => {
            built += 1;
            return undefined;
          },
        },
      });
      expect(counting.finalize(BARE, 'BBR-018')).toEqual(first);
      expect(built).toBe(0);
      expect(store.outbox.pending(10).filter((e) => e.registrationId === BARE)).toHaveLength(1);
    } finally {
      store.close();
    }
  });
});
