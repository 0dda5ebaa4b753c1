/**
 * The passport chip's face forwarded with the record (issue #18), end to end on real parts: the appliance's chip
 * module as the composition root starts it (startChip: simulated chip, the data key and the central's X25519 key
 * pinned in the data dir), the finalize service, the real relay and undici client over HTTPS through the link
 * proxy, the central on a real PostgreSQL (tests/support/forwarding-rig.ts). The face read from the chip is sealed to
 * the central, travels as a blob beside the record, is stored by ingest, and an admin opens it (audited) to the very
 * JPEG the chip gave.
 */
import { createHash, createPublicKey } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanAndAttach } from '@lmc/appliance/chip/chip-test-support.ts';
import { type RunningChip, startChip } from '@lmc/appliance/chip/start-chip.ts';
import { sampleDocumentLines } from '@lmc/appliance/devices/sample-documents.ts';
import { EventBus } from '@lmc/appliance/events/event-bus.ts';
import { createFinalizeService } from '@lmc/appliance/registrations/finalize-service.ts';
import { CentralClient } from '@lmc/appliance/sync/central-client.ts';
import { OutboxRelay } from '@lmc/appliance/sync/outbox-relay.ts';
import { createStaffCommand } from '@lmc/central/cli/create-staff.ts';
import type { FinalizedRecordV1 } from '@lmc/protocol/finalized-record.ts';
import { parsePrintV2 } from '@lmc/protocol/print-seal.ts';
import { type ForwardingRig, startForwardingRig } from '../support/forwarding-rig.ts';

const PASSWORD = 'correct horse battery staple 42';
const REASON = 'Identity dispute raised by the Beitbridge office, case 2026-131';
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let rig: ForwardingRig;
let bus: EventBus;
let chip: RunningChip;
let relay: OutboxRelay | undefined;

beforeAll(async () => {
  rig = await startForwardingRig({ prefix: 'chip-face-forwarding-', centralEncryption: true });
  await createStaffCommand(rig.db, ['--username', 'ministry.admin', '--role', 'admin'], PASSWORD);
  bus = new EventBus();
  chip = await startChip({ config: { transport: 'simulator', chunk: 0xdf, cardWaitMs: 500 }, dataDir: rig.dataDir, store: rig.store, bus, logger: pino({ level: 'silent' }) });
}, 180_000);

afterAll(async () => {
  await relay?.stop();
  await chip?.stop();
  await rig?.close();
});

describe('the chip face forwarded to the central', () => {
  it('is sealed to the central, uploaded by the relay beside the record, stored, and opened by an admin to the same JPEG', async () => {
    const { id, event } = await scanAndAttach(rig.store, bus, sampleDocumentLines(0));
    expect(event.result?.status).toBe('read');
    const jpeg = chip.service.face(id)?.data ?? Buffer.alloc(0);
    expect(jpeg.subarray(0, 2).toString('hex')).toBe('ffd8');
    createFinalizeService({ store: rig.store }).finalize(id, 'o1');
    const record = rig.store.outbox.pending(10).find((e) => e.registrationId === id)?.payload as FinalizedRecordV1;
    const face = record.biometrics?.find((b) => b.kind === 'face');
    const sealed = chip.repository.sealedFace(face?.blobId ?? '') as Buffer;
    expect(parsePrintV2(sealed).centralKeyId).toBe(rig.trust.centralKey.encryption?.current.keyId);

    relay = new OutboxRelay({
      store: rig.store,
      identity: rig.identity,
      transport: new CentralClient({
        url: rig.proxy.httpsUrl,
        connectTimeoutMs: 5000,
        responseTimeoutMs: 20_000,
        identity: rig.identity,
        centralKey: createPublicKey(rig.trust.centralKey.publicKeyPem),
        pinnedTlsPem: rig.trust.tls.cert,
      }),
      blobSource: (blobId) => chip.repository.sealedFace(blobId),
      bounds: { maxRecords: 50, maxBytes: 1024 * 1024 },
      backoff: { baseMs: 50, maxMs: 200 },
      unauthorisedRetryMs: 1000,
      idlePollMs: 100,
    });
    await relay.runOnce();
    expect(rig.store.outbox.pending(10)).toHaveLength(0);

    const [stored] = await rig.db.query<{ blob_id: string; sha256: string; data: Uint8Array }>('SELECT blob_id, sha256, data FROM registration_blobs WHERE registration_id = $1::uuid', [id]);
    expect(stored?.blob_id).toBe(face?.blobId);
    expect(stored?.sha256).toBe(face?.sha256);
    expect(Buffer.from(stored?.data ?? []).equals(sealed)).toBe(true);

    const signIn = await rig.central.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { username: 'ministry.admin', password: PASSWORD } });
    expect(signIn.statusCode).toBe(200);
    const cookie = String(signIn.headers['set-cookie']).split(';')[0] ?? '';
    const res = await rig.central.inject({ method: 'POST', url: `/api/v1/admin/faces/${id}/open`, headers: { cookie }, payload: { reason: REASON } });
    expect(res.statusCode, res.body).toBe(200);
    const opened = res.json() as { data: string; mime: string; sha256: string; officeCode: string };
    expect(opened).toMatchObject({ mime: 'image/jpeg', officeCode: 'BBR', sha256: event.result?.face?.sha256 });
    expect(Buffer.from(opened.data, 'base64').equals(jpeg)).toBe(true);
    expect(sha256(jpeg)).toBe(record.chip?.face?.sha256);
    const log = await rig.db.query<{ outcome: string; kind: string; reason: string }>('SELECT outcome, kind, reason FROM print_access_log WHERE registration_id = $1::uuid', [id]);
    expect(log).toEqual([{ outcome: 'opened', kind: 'face', reason: REASON }]);
  });
});
