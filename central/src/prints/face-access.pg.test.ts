/**
 * The passport chip's face photo at the central (issue #18), on a real PostgreSQL cluster with registrations
 * ingested through the batch route (binary frame, blobs attached as an appliance's relay attaches them): ingest
 * stores the sealed face like a print; an admin opens it with a reason to the very JPEG the appliance sealed; no
 * reason, a too-short one, another role or no session is refused; every opening and refusal is in the print access
 * log the auditor reads; a face sealed before the appliance had the central's key (format 1), an altered one, or a
 * record without a face says so; a record of the older shape (no face, prints only) still ingests.
 */
import { createHash, createSecretKey, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { syntheticFace } from '@lmc/firmware-bridge/chip/simulator/sim-face.ts';
import { BATCH_PATH, type BatchRecordInput, type BatchResponse, encodeBatch } from '@lmc/protocol/batch.ts';
import type { FrameBlob } from '@lmc/protocol/batch-frame.ts';
import { type PrintContext, newX25519PrivateKey, recipientFromBase64, sealPrintV2 } from '@lmc/protocol/print-seal.ts';
import { useCentralOnPg } from '../../test/central-on-pg.ts';
import { makeDevice, makeRecord, type TestDevice } from '../../test/fixtures.ts';
import { addStaff, signIn, TEST_AUTH } from '../../test/staff.ts';
import { centralEncryptionKeys, centralKeyFromPrivate } from '../enrolment/central-key.ts';

const encryption = centralEncryptionKeys(newX25519PrivateKey());
const centralKey = { ...centralKeyFromPrivate(generateKeyPairSync('ed25519').privateKey), encryption };
const bbr = makeDevice('bbr-faces', 'BBR');
const central = useCentralOnPg({ devices: [bbr.config], auth: TEST_AUTH, centralKey }, async (db) => {
  await addStaff(db, 'face-admin', 'admin');
  await addStaff(db, 'face-auditor', 'auditor');
  await addStaff(db, 'face-statistician', 'statistician');
});

const dataKey = { keyId: randomBytes(8).toString('hex'), key: createSecretKey(randomBytes(32)) };
const central25519 = recipientFromBase64(encryption.current.publicKeyBase64);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const REASON = 'identity dispute raised by the Harare office, case 2026/118';

interface Forwarded {
  record: BatchRecordInput;
  blob: FrameBlob;
  jpeg: Buffer;
}

/**
 * A registration as an appliance's relay forwards it: the face sealed at its place (format 2 unless `format1`),
 * listed under biometrics with kind 'face', the chip summary giving the image's digest.
 */
function forwarded(opts: { format1?: boolean; alter?: boolean; seed?: number } = {}): Forwarded {
  const record = makeRecord('BBR');
  const jpeg = syntheticFace({ seed: opts.seed ?? 7 });
  const context: PrintContext = { kind: 'document-face', registrationId: record.id, finger: 'dg2' };
  let data = sealPrintV2(dataKey, central25519, jpeg, context);
  if (opts.format1) data = Buffer.concat([Buffer.from([0x01]), data.subarray(1)]);
  if (opts.alter) data[data.length - 1] = (data[data.length - 1] as number) ^ 0x01;
  const blob = { blobId: randomUUID(), data };
  Object.assign(record.payload, {
    biometrics: [{ finger: 'dg2', kind: 'face', blobId: blob.blobId, sha256: sha256(data), bytes: data.length, keyId: dataKey.keyId, templateFormat: null }],
    chip: { status: 'read', code: null, accessControl: 'bac', paOutcome: 'genuine', dg1Match: true, face: { sha256: sha256(jpeg), mime: 'image/jpeg', bytes: jpeg.length }, readAt: record.finalizedAt },
  });
  return { record, blob, jpeg };
}

async function send(device: TestDevice, records: BatchRecordInput[], blobs: FrameBlob[]) {
  const encoded = encodeBatch(records, { deviceId: device.config.deviceId, privateKey: device.privateKey, blobs });
  const res = await central.app.inject({ method: 'POST', url: BATCH_PATH, headers: encoded.headers, payload: encoded.body });
  expect(res.statusCode, res.payload).toBe(200);
  return res.json() as BatchResponse;
}

async function open(registrationId: string, cookie: string | undefined, body: unknown = { reason: REASON }) {
  return central.app.inject({ method: 'POST', url: `/api/v1/admin/faces/${registrationId}/open`, headers: cookie ? { cookie } : {}, payload: body as object });
}

const logRows = (registrationId: string) =>
  central.db.query<{ actor: string; kind: string; finger: string; reason: string | null; outcome: string; code: string | null; blob_id: string | null }>(
    'SELECT actor, kind, finger, reason, outcome, code, blob_id FROM print_access_log WHERE registration_id = $1::uuid ORDER BY id',
    [registrationId],
  );

describe('the chip face forwarded to the central', () => {
  it('is stored by ingest and opened by an admin to the same JPEG, with a reason, logged', async () => {
    const f = forwarded();
    const answer = await send(bbr, [f.record], [f.blob]);
    expect(answer.stored).toEqual([f.record.id]);
    const [stored] = await central.db.query<{ registration_id: string; sha256: string; data: Uint8Array }>(
      'SELECT registration_id::text, sha256, data FROM registration_blobs WHERE blob_id = $1',
      [f.blob.blobId],
    );
    expect(stored?.registration_id).toBe(f.record.id);
    expect(Buffer.from(stored?.data ?? []).equals(f.blob.data)).toBe(true);

    const admin = await signIn(central.app, 'face-admin');
    const res = await open(f.record.id, admin);
    expect(res.statusCode, res.payload).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json() as { registrationId: string; officeCode: string; blobId: string; mime: string; sha256: string; data: string; auditId: string };
    expect(body).toMatchObject({ registrationId: f.record.id, officeCode: 'BBR', blobId: f.blob.blobId, mime: 'image/jpeg', sha256: sha256(f.jpeg) });
    const image = Buffer.from(body.data, 'base64');
    expect(image.equals(f.jpeg)).toBe(true);
    expect(image.subarray(0, 2).toString('hex')).toBe('ffd8');
    expect(await logRows(f.record.id)).toEqual([{ actor: 'face-admin', kind: 'face', finger: 'dg2', reason: REASON, outcome: 'opened', code: null, blob_id: f.blob.blobId }]);

    // The auditor reads the opening in the print access log; the auditor may not open it.
    const auditor = await signIn(central.app, 'face-auditor');
    const logRes = await central.app.inject({ url: '/api/v1/admin/prints/access-log?limit=50', headers: { cookie: auditor } });
    expect(logRes.statusCode).toBe(200);
    const entry = (logRes.json() as { entries: Array<Record<string, unknown>> }).entries.find((e) => String(e.id) === body.auditId);
    expect(entry).toMatchObject({ action: 'open', kind: 'face', finger: 'dg2', registration_id: f.record.id, reason: REASON, outcome: 'opened', actor: 'face-admin' });
  });

  it('is refused without a reason, to another role and without a session; nothing is opened', async () => {
    const f = forwarded({ seed: 11 });
    await send(bbr, [f.record], [f.blob]);
    const admin = await signIn(central.app, 'face-admin');
    for (const body of [{}, { reason: 'because' }, { reason: 42 }]) {
      const res = await open(f.record.id, admin, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.payload).not.toContain('"data"');
    }
    expect((await open(f.record.id, await signIn(central.app, 'face-auditor'))).statusCode).toBe(403);
    expect((await open(f.record.id, await signIn(central.app, 'face-statistician'))).statusCode).toBe(403);
    expect((await open(f.record.id, undefined)).statusCode).toBe(401);
    expect(await logRows(f.record.id)).toEqual([]);
  });

  it('says why it cannot be opened, and logs every refusal: no face, format 1, altered, not a registration id', async () => {
    const admin = await signIn(central.app, 'face-admin');
    const codeOf = async (id: string) => {
      const res = await open(id, admin);
      return [res.statusCode, (res.json() as { code: string }).code];
    };
    // A record of the older shape: a print, no chip and no face. It still ingests; it has no face to open.
    const old = makeRecord('BBR');
    const print = { blobId: randomUUID(), data: randomBytes(600) };
    Object.assign(old.payload, {
      fingerprints: { captured: 1, exceptions: [], templates: 'sealed-in-biometrics' },
      biometrics: [{ finger: 'right-index', kind: 'template', blobId: print.blobId, sha256: sha256(print.data), bytes: 600, keyId: dataKey.keyId, templateFormat: 'zfm-r30x' }],
    });
    const plain = makeRecord('BBR');
    const format1 = forwarded({ format1: true, seed: 12 });
    const altered = forwarded({ alter: true, seed: 13 });
    const answer = await send(bbr, [old, plain, format1.record, altered.record], [print, format1.blob, altered.blob]);
    expect(answer.stored).toHaveLength(4);
    expect((await central.db.query('SELECT 1 FROM registration_blobs WHERE blob_id = $1', [print.blobId])).length).toBe(1);

    expect(await codeOf(old.id)).toEqual([404, 'FACE_NOT_FOUND']);
    expect(await codeOf(plain.id)).toEqual([404, 'FACE_NOT_FOUND']);
    expect(await codeOf(randomUUID())).toEqual([404, 'FACE_NOT_FOUND']);
    expect(await codeOf('not-a-registration')).toEqual([404, 'FACE_NOT_FOUND']);
    expect(await codeOf(format1.record.id)).toEqual([409, 'PRINT_NOT_SEALED_TO_CENTRAL']);
    expect(await codeOf(altered.record.id)).toEqual([422, 'PRINT_DAMAGED']);
    for (const [id, code] of [
      [old.id, 'FACE_NOT_FOUND'],
      [format1.record.id, 'PRINT_NOT_SEALED_TO_CENTRAL'],
      [altered.record.id, 'PRINT_DAMAGED'],
    ] as const) {
      expect(await logRows(id)).toEqual([expect.objectContaining({ actor: 'face-admin', kind: 'face', outcome: 'refused', code, reason: REASON })]);
    }
    const [unknown] = await central.db.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM print_access_log WHERE registration_id IS NULL AND kind = 'face' AND outcome = 'refused' AND code = 'FACE_NOT_FOUND'",
    );
    expect(unknown?.n).toBe('1');
    // A print's own route still ignores the face (it is not a print).
    const printRes = await central.app.inject({ method: 'POST', url: `/api/v1/admin/prints/${format1.blob.blobId}/open`, headers: { cookie: admin }, payload: { reason: REASON } });
    expect(printRes.statusCode).toBe(404);
  });
});
