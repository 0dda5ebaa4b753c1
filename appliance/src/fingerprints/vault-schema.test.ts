
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createFinalizeService } from '../registrations/finalize-service.ts';
import { migrate } from '../store/index.ts';
import { MIGRATIONS, openApplianceStore } from '../schema.ts';
import { passport } from '../store/test-support.ts';
import { FINGERPRINT_BLOBS_MIGRATION_NAME } from './vault-schema.ts';
import { useTempDir } from '@lmc/core/temp-dir-test-support.ts';

const REG = '6f1c1a52-1d1e-4c53-9a3e-0c1b2f3e4d5a';

describe("migration 'fingerprint-blobs'", () => {
  const tmp = useTempDir('fp-mig-');

  it('gives rows captured before it blob ids, and their finalize lists them under biometrics with key id and size', () => {
    const at = MIGRATIONS.findIndex((m) => m.name === FINGERPRINT_BLOBS_MIGRATION_NAME);
    expect(at).toBeGreaterThan(0);
    const old = new Database(join(tmp.dir, 'appliance.db'));
    migrate(old, MIGRATIONS.slice(0, at));
    old
      .prepare(`INSERT INTO registrations (id, seq, office_code, officer_id, status, created_at, updated_at) VALUES (?, 1, 'BBR', 'o1', 'draft', 't', 't')`)
      .run(REG);
    // A sealed blob's header: version 01, then the 8-byte key id (crypto/blob-cipher.ts); the rest stands in for nonce, tag, ciphertext.
    const blob = Buffer.concat([Buffer.from('01a1b2c3d4e5f60718', 'hex'), Buffer.alloc(40, 9)]);
    old
      .prepare(
        `INSERT INTO fingerprints (registration_id, finger, status, quality, attempts, template_format, template_blob, image_blob, recorded_by, recorded_at)
         VALUES (?, 'right-index', 'captured', 80, 1, 'zfm-r30x', ?, NULL, 'o1', 't')`,
      )
      .run(REG, blob);
    old.close();

    const store = openApplianceStore({ dataDir: tmp.dir });
    try {
      store.registrations.attachDocument(REG, passport('ZW1000001'), 'o1');
      createFinalizeService({ store }).finalize(REG, 'o1');
      const event = store.outbox.pending(10).find((e) => e.registrationId === REG);
      const payload = event?.payload as { biometrics: Array<Record<string, unknown>>; fingerprints: { captured: number } };
      expect(payload.fingerprints.captured).toBe(1);
      expect(payload.biometrics).toEqual([
        { finger: 'right-index', kind: 'template', blobId: expect.stringMatching(/^[0-9a-f]{32}$/), sha256: null, bytes: blob.length, keyId: 'a1b2c3d4e5f60718', templateFormat: 'zfm-r30x' },
      ]);
    } finally {
      store.close();
    }
  });

  it('adds no biometrics key to a registration without fingerprint records (a post without a reader)', () => {
    const store = openApplianceStore({ dataDir: tmp.dir });
    try {
      const { id } = store.registrations.create({ officeCode: 'BBR', officerId: 'o1' });
      store.registrations.attachDocument(id, passport('ZW1000002'), 'o1');
      createFinalizeService({ store }).finalize(id, 'o1');
      const payload = store.outbox.pending(10)[0]?.payload as Record<string, unknown>;
      expect(payload).not.toHaveProperty('biometrics');
      expect(payload).not.toHaveProperty('fingerprints');
    } finally {
      store.close();
    }
  });
});
