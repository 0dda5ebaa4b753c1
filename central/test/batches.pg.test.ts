/** POST /api/v1/batches against a real PostgreSQL cluster (tests/support/pg-cluster.ts). */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { useCentralOnPg } from './central-on-pg.ts';
import { build } from '../src/app.ts';
import { BATCH_PATH, contentHash, encodeBatch, signBatchBody } from '@lmc/protocol/batch.ts';
import { makeDevice, makeRecord, sendBatch } from './fixtures.ts';
import { attemptHeaders, sha256Hex } from '@lmc/protocol/batch-envelope.ts';

/** A fresh signed attempt envelope for hand-made bodies (protocol/src/batch-envelope.ts). */
function envelopeFor(body: Buffer, deviceId: string, privateKey: Parameters<typeof attemptHeaders>[1], batchId: string = crypto.randomUUID()) {
  return attemptHeaders({ deviceId, batchId, contentSha256: sha256Hex(body), attemptAt: Date.now() }, privateKey);
}

const beitbridge = makeDevice('bbr-01', 'BBR');
const harare = makeDevice('hre-01', 'HRE');
const stranger = makeDevice('xxx-99', 'BBR');

const central = useCentralOnPg({
  devices: [beitbridge.config, harare.config],
  limits: { maxBodyBytes: 64 * 1024, maxDecompressedBytes: 512 * 1024, maxRecordsPerBatch: 20 },
});

async function rowCount(id: string): Promise<number> {
  const rows = await central.db.query<{ n: number }>('SELECT count(*)::int AS n FROM registrations WHERE id = $1', [id]);
  return rows[0]?.n ?? -1;
}

/** POSTs bytes to the batch route with exactly these headers. */
function postBatch(headers: Record<string, string>, payload: Buffer) {
  return central.app.inject({ method: 'POST', url: BATCH_PATH, headers, payload });
}

/** A batch of one Beitbridge record signed with bbr-01's key, naming `deviceId` in its body. */
const bbrBatch = (deviceId = 'bbr-01') => encodeBatch([makeRecord('BBR')], { deviceId, privateKey: beitbridge.privateKey });

/** POSTs hand-made gzip bytes from bbr-01, signed and with a fresh envelope, as the appliance would send a batch. */
function postSignedGzip(body: Buffer) {
  return postBatch(
    {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'x-device-id': 'bbr-01',
      'x-signature': signBatchBody(body, beitbridge.privateKey),
      ...envelopeFor(body, 'bbr-01', beitbridge.privateKey),
    },
    body,
  );
}

describe('batch ingest on PostgreSQL', () => {
  it('stores every record with its extracted statistic columns and logs the batch', async () => {
    const records = [makeRecord('BBR', { sex: 'M', returning: true, nationality: 'D<<' }), makeRecord('BBR')];
    const { res, json, encoded } = await sendBatch(central.app, beitbridge, records);
    expect(res.statusCode).toBe(200);
    expect(json()).toEqual({ batchId: encoded.batch.batchId, stored: records.map((r) => r.id), duplicates: [], conflicts: [] });

    const [row] = await central.db.query<Record<string, unknown>>(
      'SELECT device_id, office_code, sex, to_char(birth_date, $2) AS birth_date, nationality, occupation_isco, is_returning, content_hash, payload FROM registrations WHERE id = $1',
      [records[0]!.id, 'YYYY-MM-DD'],
    );
    expect(row).toMatchObject({
      device_id: 'bbr-01',
      office_code: 'BBR',
      sex: 'M',
      birth_date: '1996-04-02',
      nationality: 'D',
      occupation_isco: '6111',
      is_returning: true,
      content_hash: contentHash(records[0]!.payload),
    });
    expect(row?.payload).toEqual(records[0]!.payload);
    const log = await central.db.query<{ stored_count: number; record_count: number }>(
      'SELECT stored_count, record_count FROM batches WHERE batch_id = $1',
      [encoded.batch.batchId],
    );
    expect(log).toEqual([{ stored_count: 2, record_count: 2 }]);
  });

  it('acknowledges the same batch sent twice as duplicates without a second row', async () => {
    const records = [makeRecord('BBR'), makeRecord('BBR')];
    const batchId = randomUUID();
    const first = await sendBatch(central.app, beitbridge, records, batchId);
    const second = await sendBatch(central.app, beitbridge, records, batchId);
    expect(first.json().stored).toHaveLength(2);
    expect(second.res.statusCode).toBe(200);
    expect(second.json()).toEqual({ batchId, stored: [], duplicates: records.map((r) => r.id), conflicts: [] });
    expect(await rowCount(records[0]!.id)).toBe(1);
    const log = await central.db.query('SELECT id FROM batches WHERE batch_id = $1', [batchId]);
    expect(log).toHaveLength(2);
  });

  it('records a resend with different content as a conflict and leaves the original untouched', async () => {
    const original = makeRecord('BBR', { occupationIsco: '9211' });
    await sendBatch(central.app, beitbridge, [original]);
    const changed = { ...original, payload: { ...original.payload, occupationIsco: '7112' } };
    const { res, json } = await sendBatch(central.app, beitbridge, [changed]);
    expect(res.statusCode).toBe(200);
    expect(json().conflicts).toEqual([{ id: original.id, reason: 'content_differs' }]);
    expect(json().stored).toEqual([]);

    const [stored] = await central.db.query<{ occupation_isco: string; content_hash: string }>(
      'SELECT occupation_isco, content_hash FROM registrations WHERE id = $1',
      [original.id],
    );
    expect(stored).toEqual({ occupation_isco: '9211', content_hash: contentHash(original.payload) });
    const conflicts = await central.db.query<Record<string, unknown>>(
      'SELECT reason, received_content_hash, stored_content_hash, payload FROM ingest_conflicts WHERE registration_id = $1',
      [original.id],
    );
    expect(conflicts).toEqual([
      {
        reason: 'content_differs',
        received_content_hash: contentHash(changed.payload),
        stored_content_hash: contentHash(original.payload),
        payload: changed.payload,
      },
    ]);
    // A second conflicting resend is recorded again, never overwriting the first record of it.
    await sendBatch(central.app, beitbridge, [changed]);
    expect(await central.db.query('SELECT id FROM ingest_conflicts WHERE registration_id = $1', [original.id])).toHaveLength(2);
  });

  it('stores a record exactly once when two deliveries of it race', async () => {
    const records = Array.from({ length: 10 }, () => makeRecord('BBR'));
    const [a, b] = await Promise.all([sendBatch(central.app, beitbridge, records), sendBatch(central.app, beitbridge, records)]);
    expect(a.res.statusCode).toBe(200);
    expect(b.res.statusCode).toBe(200);
    const stored = [...a.json().stored, ...b.json().stored].sort();
    const duplicates = [...a.json().duplicates, ...b.json().duplicates].sort();
    expect(stored).toEqual(records.map((r) => r.id).sort());
    expect(duplicates).toEqual(stored);
    for (const r of records) expect(await rowCount(r.id)).toBe(1);
  });

  it('refuses records whose contentHash does not match the payload, and records for another office', async () => {
    const badHash = { ...makeRecord('BBR'), contentHash: 'a'.repeat(64) };
    const otherOffice = makeRecord('HRE');
    const fine = makeRecord('BBR');
    const { json } = await sendBatch(central.app, beitbridge, [badHash, otherOffice, fine]);
    expect(json().stored).toEqual([fine.id]);
    expect(json().conflicts).toEqual([
      { id: badHash.id, reason: 'content_hash_mismatch' },
      { id: otherOffice.id, reason: 'office_mismatch' },
    ]);
    expect(await rowCount(badHash.id)).toBe(0);
    expect(await rowCount(otherOffice.id)).toBe(0);
  });
});

describe('batch ingest over a listening socket', () => {
  it('accepts a signed gzip batch sent over real HTTP with fetch', async () => {
    const server = build({ db: central.db, devices: [beitbridge.config] });
    const address = await server.listen({ host: '127.0.0.1', port: 0 });
    try {
      const record = makeRecord('BBR');
      const enc = encodeBatch([record], { deviceId: 'bbr-01', privateKey: beitbridge.privateKey });
      const res = await fetch(`${address}${BATCH_PATH}`, { method: 'POST', headers: enc.headers, body: new Uint8Array(enc.body) });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ stored: [record.id] });
    } finally {
      await server.close();
    }
  });
});

describe('batch rejection with coded 4xx errors', () => {
  it('answers an unknown device and a body signed with another key alike: 401 DEVICE_AUTH_FAILED, nothing stored', async () => {
    const { res: unknown } = await sendBatch(central.app, stranger, [makeRecord('BBR')]);
    const record = makeRecord('BBR');
    const enc = encodeBatch([record], { deviceId: 'bbr-01', privateKey: harare.privateKey });
    const forged = await postBatch(enc.headers, enc.body);
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json()).toEqual({ statusCode: 401, code: 'DEVICE_AUTH_FAILED', message: 'Device authentication failed' });
    expect([forged.statusCode, forged.json()]).toEqual([unknown.statusCode, unknown.json()]);
    expect(await rowCount(record.id)).toBe(0);
    // The auditors' log keeps the real reason.
    const reasons = await central.db.query<{ code: string }>("SELECT DISTINCT code FROM rejected_batches WHERE device_id IN ('xxx-99', 'bbr-01') ORDER BY code");
    expect(reasons.map((r) => r.code)).toEqual(['DEVICE_UNKNOWN', 'SIGNATURE_INVALID']);
  });

  /** Refusals that need only their status and code checked: how each is provoked. */
  const refusals: { status: number; code: string; what: string; send: () => Promise<LightMyRequestResponse> }[] = [
    { status: 401, code: 'AUTH_MISSING', what: 'without device headers', send: () => postBatch({ 'content-type': 'application/json', 'content-encoding': 'gzip' }, bbrBatch().body) },
    {
      status: 415,
      code: 'BATCH_NOT_GZIP',
      what: 'for a plain JSON body',
      send: () => {
        const plain = Buffer.from(JSON.stringify(bbrBatch().batch));
        return postBatch({ 'content-type': 'application/json', 'x-device-id': 'bbr-01', 'x-signature': signBatchBody(plain, beitbridge.privateKey) }, plain);
      },
    },
    {
      status: 415,
      code: 'BATCH_UNSUPPORTED_MEDIA_TYPE',
      what: 'for a content type other than JSON',
      send: () => {
        const enc = bbrBatch();
        return postBatch({ ...enc.headers, 'content-type': 'application/octet-stream' }, enc.body);
      },
    },
    { status: 400, code: 'BATCH_CORRUPT', what: 'for signed bytes that are not gzip', send: () => postSignedGzip(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef])) },
    {
      status: 400,
      code: 'BATCH_DEVICE_MISMATCH',
      what: 'when the body names another device than the header',
      send: () => {
        const enc = bbrBatch('hre-01');
        return postBatch({ ...enc.headers, 'x-device-id': 'bbr-01', ...envelopeFor(enc.body, 'bbr-01', beitbridge.privateKey, enc.batch.batchId) }, enc.body);
      },
    },
    {
      status: 413,
      code: 'BATCH_TOO_LARGE',
      what: 'for a compressed body over maxBodyBytes',
      send: async () => {
        // Random text compresses badly, so the gzip body stays above the 64 KiB limit.
        const noise = Array.from({ length: 12_000 }, () => Math.random().toString(36).slice(2)).join('');
        return (await sendBatch(central.app, beitbridge, [makeRecord('BBR', { notes: noise })])).res;
      },
    },
    {
      status: 413,
      code: 'BATCH_TOO_LARGE',
      what: 'for a small body that inflates past maxDecompressedBytes (gzip bomb)',
      send: () => {
        const bomb = gzipSync(Buffer.alloc(2 * 1024 * 1024, 0x20));
        expect(bomb.length).toBeLessThan(64 * 1024);
        return postSignedGzip(bomb);
      },
    },
  ];
  it.each(refusals)('answers $status $code $what', async ({ status, code, send }) => {
    const res = await send();
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ code });
  });

  it('answers 400 BATCH_INVALID naming the field when a record breaks the schema', async () => {
    const bad = { ...makeRecord('BBR'), id: 'not-a-uuid' };
    const { res } = await sendBatch(central.app, beitbridge, [bad]);
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('BATCH_INVALID');
    expect(body.message).toMatch(/records\/0\/id/);
    expect(body.message).toMatch(/uuid/);
  });

  it('answers 413 BATCH_TOO_MANY_RECORDS over the record limit', async () => {
    const records = Array.from({ length: 21 }, () => makeRecord('BBR'));
    const { res } = await sendBatch(central.app, beitbridge, records);
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'BATCH_TOO_MANY_RECORDS' });
    expect(await rowCount(records[0]!.id)).toBe(0);
  });
});
