/**
 * The passport chip's face travels with the record (issue #18), on a real store with the in-process simulated chip:
 * sealed to the central when its key is pinned (format 2, the central opens it to the chip's JPEG), named in the
 * finalized record's `biometrics` (kind 'face') by a blob id the relay's source serves as stored, a new id with every
 * read; without a central key the face stays format 1 and still travels; and migration 'chip-face-blob-id' gives
 * the faces of registrations not yet finalized an id, leaving finalized ones (already queued) without.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@lmc/core/logger.ts';
import { parseMrz } from '@lmc/firmware-bridge/mrz/index.ts';
import type { FinalizedRecordV1 } from '@lmc/protocol/finalized-record.ts';
import { keyIdOf, newX25519PrivateKey, openPrintV2AtCentral, parsePrintV2, rawX25519Public, recipientFromBase64, type X25519Recipient } from '@lmc/protocol/print-seal.ts';
import { loadOrCreateDataKey } from '../crypto/data-key.ts';
import { sampleDocumentLines } from '../devices/sample-documents.ts';
import type { EventBus } from '../events/event-bus.ts';
import { createFinalizeService } from '../registrations/finalize-service.ts';
import { MIGRATIONS, openApplianceStore } from '../schema.ts';
import { openStore, type Store } from '../store/index.ts';
import type { ChipFeature } from './chip-feature.ts';
import { ChipRepository } from './chip-repository.ts';
import { ChipService } from './chip-service.ts';
import { type ChipRig, openChipRig, scanAndAttach as attachScanned } from './chip-test-support.ts';

const log = createLogger('chip-face-test');
const centralPrivate = newX25519PrivateKey();
const central: X25519Recipient = recipientFromBase64(rawX25519Public(centralPrivate).toString('base64'));
const keyring = new Map([[keyIdOf(rawX25519Public(centralPrivate)), centralPrivate]]);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let dir: string;
let store: Store;
let bus: EventBus;
let feature: ChipFeature;
let service: ChipService | undefined;
let repository: ChipRepository;

let rig: ChipRig;

beforeEach(async () => {
  rig = await openChipRig('chip-face-');
  ({ dir, store, bus, feature } = rig);
});

afterEach(async () => {
  await service?.stop();
  service = undefined;
  await rig.close();
});

function startService(centralKey: X25519Recipient | null): void {
  repository = new ChipRepository(store, loadOrCreateDataKey(dir), centralKey);
  service = new ChipService({ feature, repository, store, bus, trust: () => ({ certificates: [], files: [], refused: [] }), logger: log });
  service.start();
}

const scanAndAttach = (lines: string[], registrationId?: string) => attachScanned(store, bus, lines, registrationId);

const queued = (id: string) => store.outbox.pending(10).find((e) => e.registrationId === id)?.payload as FinalizedRecordV1;

describe('the chip face forwarded with the record', () => {
  it('is sealed to the central, named under biometrics (kind face) and served as stored by its blob id', async () => {
    startService(central);
    const { id, event } = await scanAndAttach(sampleDocumentLines(0));
    const jpeg = service?.face(id)?.data ?? Buffer.alloc(0);
    expect(jpeg.subarray(0, 2).toString('hex')).toBe('ffd8');
    createFinalizeService({ store }).finalize(id, 'o1');

    const record = queued(id);
    // No fingerprint reader here: the face alone is listed, and the chip summary describes the image.
    expect(record.fingerprints).toBeUndefined();
    expect(record.biometrics).toHaveLength(1);
    const face = record.biometrics?.[0];
    expect(face).toMatchObject({ finger: 'dg2', kind: 'face', templateFormat: null, keyId: loadOrCreateDataKey(dir).keyId });
    expect(record.chip?.face?.sha256).toBe(event.result?.face?.sha256);

    const sealed = repository.sealedFace(face?.blobId ?? '') as Buffer;
    expect(sealed).toBeInstanceOf(Buffer);
    expect(face?.sha256).toBe(sha256(sealed));
    expect(face?.bytes).toBe(sealed.length);
    expect(parsePrintV2(sealed).centralKeyId).toBe(central.keyId);
    // What the central does: the same JPEG, and only at its place (the face of this registration).
    const opened = await openPrintV2AtCentral(keyring, sealed, { kind: 'document-face', registrationId: id, finger: 'dg2' });
    expect(opened.equals(jpeg)).toBe(true);
    expect(sha256(opened)).toBe(record.chip?.face?.sha256);
    await expect(openPrintV2AtCentral(keyring, sealed, { kind: 'fingerprint-image', registrationId: id, finger: 'dg2' })).rejects.toThrow();
    await expect(openPrintV2AtCentral(keyring, sealed, { kind: 'document-face', registrationId: randomUUID(), finger: 'dg2' })).rejects.toThrow();
  });

  it('a read again before finalize gives a new blob id; the old one is no longer served', async () => {
    startService(central);
    const lines = sampleDocumentLines(1);
    const { id } = await scanAndAttach(lines);
    const first = createFinalizeService({ store }).buildRecord({ ...(store.registrations.get(id) as object), status: 'finalized', finalizedAt: new Date().toISOString() } as never).biometrics?.[0];
    await scanAndAttach(lines, id);
    createFinalizeService({ store }).finalize(id, 'o1');
    const second = queued(id).biometrics?.[0];
    expect(second?.blobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second?.blobId).not.toBe(first?.blobId);
    expect(repository.sealedFace(first?.blobId ?? '')).toBeUndefined();
    expect(sha256(repository.sealedFace(second?.blobId ?? '') as Buffer)).toBe(second?.sha256);
  });

  it('without a central key the face stays format 1 and still travels (only this appliance can open it)', async () => {
    startService(null);
    const { id } = await scanAndAttach(sampleDocumentLines(2));
    createFinalizeService({ store }).finalize(id, 'o1');
    const face = queued(id).biometrics?.find((b) => b.kind === 'face');
    const sealed = repository.sealedFace(face?.blobId ?? '') as Buffer;
    expect(sealed[0]).toBe(0x01);
    expect(face?.sha256).toBe(sha256(sealed));
  });

  it('a read without a face (no chip) lists no face', async () => {
    startService(central);
    if (feature.simulator) feature.simulator.nextKind = 'no-chip';
    const { id } = await scanAndAttach(sampleDocumentLines(0));
    createFinalizeService({ store }).finalize(id, 'o1');
    const record = queued(id);
    expect(record.chip).toMatchObject({ status: 'not-present', face: null });
    expect(record.biometrics).toBeUndefined();
  });
});

describe("migration 'chip-face-blob-id'", () => {
  it('gives faces of registrations not yet finalized an id, and finalized ones none', () => {
    const oldDir = mkdtempSync(join(tmpdir(), 'chip-face-migration-'));
    try {
      const before = MIGRATIONS.filter((m) => m.name !== 'chip-face-blob-id' && m.version < 16);
      const old = openStore({ dataDir: oldDir, migrations: before });
      const ids = ['open', 'finalized', 'faceless'].map(() => {
        const r = old.registrations.create({ officeCode: 'BBR', officerId: 'o1' });
        old.registrations.attachDocument(r.id, { ...parseMrz(sampleDocumentLines(0)) }, 'o1');
        return r.id;
      });
      const insert = old.connection.prepare(
        `INSERT INTO chip_reads (registration_id, printed_mrz, status, code, access_control, pa_outcome, dg1_match, result_json, face_blob, face_sha256, face_mime, read_at)
         VALUES (?, 'm', 'read', NULL, 'bac', 'genuine', 1, '{}', ?, ?, ?, '2026-11-29T10:00:00Z')`,
      );
      insert.run(ids[0], Buffer.from([1, 2, 3]), 'a'.repeat(64), 'image/jpeg');
      insert.run(ids[1], Buffer.from([4, 5, 6]), 'b'.repeat(64), 'image/jpeg');
      insert.run(ids[2], null, null, null);
      old.registrations.finalize(ids[1] as string, 'o1');
      old.close();

      const migrated = openApplianceStore({ dataDir: oldDir });
      try {
        const rows = migrated.connection.prepare('SELECT registration_id, face_blob_id FROM chip_reads').all() as Array<{ registration_id: string; face_blob_id: string | null }>;
        const byId = Object.fromEntries(rows.map((r) => [r.registration_id, r.face_blob_id]));
        expect(byId[ids[0] as string]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(byId[ids[1] as string]).toBeNull();
        expect(byId[ids[2] as string]).toBeNull();
        const repo = new ChipRepository(migrated, loadOrCreateDataKey(oldDir));
        expect(repo.sealedFace(byId[ids[0] as string] as string)?.equals(Buffer.from([1, 2, 3]))).toBe(true);
      } finally {
        migrated.close();
      }
    } finally {
      rmSync(oldDir, { recursive: true, force: true });
    }
  });
});
