/**
 * Prints the central can open, and verification anywhere (issue #16 item 3), end to end on real parts: a central
 * on real PostgreSQL serving HTTPS, two appliances (HRE and BBR) enrolled with `enrol` (pinned certificate, signed
 * answer, both X25519 keys exchanged), the fingerprint module simulator on a real pty at each, the real relay and
 * undici client forwarding HRE's registration.
 *
 * Shows: a print captured at HRE is sealed to the central (blob format 2) and forwarded as is; the central opens it
 * (audited route); a 1:1 verification at BBR against HRE's print succeeds with the same finger and fails with
 * another person's; a reader of the batch bytes (a TLS-terminating proxy on the way) cannot open the print; every
 * opening and re-sealing is in the central's print_access_log.
 */
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { build as buildAppliance } from '@lmc/appliance/app.ts';
import { addOfficer, signInInject, TEST_AUTH } from '@lmc/appliance/auth/test-support.ts';
import { openBlob } from '@lmc/appliance/crypto/blob-cipher.ts';
import { loadOrCreateDataKey } from '@lmc/appliance/crypto/data-key.ts';
import { ScanCache } from '@lmc/appliance/devices/scan-cache.ts';
import { EventBus } from '@lmc/appliance/events/event-bus.ts';
import type { CapturePlan } from '@lmc/appliance/fingerprints/fingerprint-config.ts';
import { type RunningFingerprints, startFingerprints } from '@lmc/appliance/fingerprints/start-fingerprints.ts';
import { loadCentralTrust } from '@lmc/appliance/keys/central-trust.ts';
import { loadOrCreateIdentity } from '@lmc/appliance/keys/identity.ts';
import { remotePrintsSource, remoteVerifyRoutes, VERIFY_REMOTE_PATH } from '@lmc/appliance/prints-remote/remote-verify-routes.ts';
import { createFinalizeService } from '@lmc/appliance/registrations/finalize-service.ts';
import { openApplianceStore } from '@lmc/appliance/schema.ts';
import type { Store } from '@lmc/appliance/store/index.ts';
import { passport } from '@lmc/appliance/store/test-support.ts';
import { CentralClient } from '@lmc/appliance/sync/central-client.ts';
import { OutboxRelay } from '@lmc/appliance/sync/outbox-relay.ts';
import { parseConfig } from '@lmc/appliance/config/load-config.ts';
import { build as buildCentral, type CentralApp } from '@lmc/central/app.ts';
import { createStaffCommand } from '@lmc/central/cli/create-staff.ts';
import { centralEncryptionKeys, centralKeyFromPrivate } from '@lmc/central/enrolment/central-key.ts';
import { certificateFingerprint, generateSelfSignedPair } from '@lmc/central/tls/tls.ts';
import { ENROLMENT_CODES_PATH } from '@lmc/protocol/enrolment.ts';
import { newX25519PrivateKey, openPrintV2AtCentral, parsePrintV2 } from '@lmc/protocol/print-seal.ts';
import { enrol } from '@lmc/provisioning/enrolment/enrol.ts';
import { generateKeyPairSync } from 'node:crypto';
import { useCentralDb } from '../support/central-db.ts';

const ADMIN_TOKEN = 'cross-office-admin-token-0123456789abcdef';
const STAFF_PASSWORD = 'correct horse battery staple 42';
const FAST_BAUD = 240 * 9600;
const PLAN: CapturePlan = { fingers: ['right-index', 'left-index'], attempts: 3, minQuality: 40, placeTimeoutMs: 1500, liftTimeoutMs: 1500, storeImages: true };
const OFFICER = { officerId: 'BBR-020', pin: '730461' };

const { root, db, cleanup } = useCentralDb('cross-office-prints-', { maxConnections: 4 });
let central: CentralApp;
let centralUrl: string;
let certSha256: string;
/** Every batch body as it crossed the wire inside TLS: what a TLS-terminating proxy on the path would read. */
const batchBodies: Buffer[] = [];

interface Office {
  code: 'HRE' | 'BBR';
  dataDir: string;
  store: Store;
  bus: EventBus;
  fp: RunningFingerprints;
}

let hre: Office;
let bbr: Office;

async function issueCode(officeCode: string): Promise<string> {
  const res = await central.inject({ method: 'POST', url: ENROLMENT_CODES_PATH, headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { officeCode } });
  return (res.json() as { code: string }).code;
}

async function office(code: 'HRE' | 'BBR'): Promise<Office> {
  const dataDir = join(root, code);
  await enrol({ configPath: join(root, `${code}.json`), dataDir, writeDataDir: true, centralUrl, code: await issueCode(code), certSha256 });
  const store = openApplianceStore({ dataDir });
  const bus = new EventBus();
  const fp = await startFingerprints({ device: { transport: 'simulator', baudRate: FAST_BAUD }, plan: PLAN, dataDir, store, bus, logger: pino({ level: 'silent' }) });
  cleanup(async () => {
    await fp.stop();
    store.close();
  });
  return { code, dataDir, store, bus, fp };
}

/** A person at the glass who follows the reader's prompts. */
function person(o: Office, personId: string): () => void {
  return o.bus.subscribe('fingerprint.prompt', (e) => {
    const sim = o.fp.feature.simulator;
    if (!sim) throw new Error('no simulator');
    if (e.prompt === 'place-finger') sim.placeFinger(personId, e.finger, 'normal');
    if (e.prompt === 'lift-finger') sim.liftFinger();
  });
}

async function captureAll(o: Office, registrationId: string, personId: string): Promise<void> {
  const stop = person(o, personId);
  const ended = new Promise<void>((resolve, reject) => {
    const off = o.bus.subscribe('fingerprint.workflow', (e) => {
      if (e.registrationId !== registrationId || e.state === 'started') return;
      off();
      if (e.state === 'completed') resolve();
      else reject(new Error(`capture ${e.state}`));
    });
  });
  o.fp.service.startCapture(registrationId, 'HRE-017');
  await ended;
  stop();
}

beforeAll(async () => {
  await createStaffCommand(db, ['--username', 'ministry.admin', '--role', 'admin'], STAFF_PASSWORD);
  await createStaffCommand(db, ['--username', 'desk.auditor', '--role', 'auditor'], STAFF_PASSWORD);
  const tls = await generateSelfSignedPair();
  certSha256 = certificateFingerprint(tls.cert);
  const centralKey = { ...centralKeyFromPrivate(generateKeyPairSync('ed25519').privateKey), encryption: centralEncryptionKeys(newX25519PrivateKey()) };
  central = buildCentral({ db, devices: [], https: tls, centralKey, enrolment: { adminToken: ADMIN_TOKEN, centralKey } });
  cleanup(() => central.close()); // after the offices' and the tests' clean-ups (newest first)
  // Keep a copy of every batch body exactly as it arrived (inside TLS).
  central.addHook('preParsing', async (request, _reply, payload) => {
    if (!request.url.startsWith('/api/v1/batches')) return payload;
    const chunks: Buffer[] = [];
    for await (const c of payload) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    batchBodies.push(body);
    return Readable.from([body]);
  });
  await central.listen({ host: '127.0.0.1', port: 0 });
  centralUrl = `https://127.0.0.1:${(central.server.address() as AddressInfo).port}/`;
  hre = await office('HRE');
  bbr = await office('BBR');
}, 180_000);


let hreRegistration: string;
let templateBlobId: string;
let imageBlobId: string;

describe('a print captured at HRE', () => {
  it('is sealed to the central at capture and forwarded as stored', async () => {
    expect(loadCentralTrust(hre.dataDir).encryption?.keyId).toMatch(/^[0-9a-f]{16}$/);
    const r = hre.store.registrations.create({ officeCode: 'HRE', officerId: 'HRE-017' });
    hreRegistration = r.id;
    hre.store.registrations.attachDocument(r.id, passport('ZW4242424'), 'HRE-017');
    await captureAll(hre, r.id, 'chipo');
    createFinalizeService({ store: hre.store, fingerprints: hre.fp.vault }).finalize(r.id, 'HRE-017');
    const payload = hre.store.outbox.pending(10).find((e) => e.registrationId === r.id)?.payload as { biometrics: Array<{ blobId: string; kind: string; finger: string }> };
    const template = payload.biometrics.find((b) => b.kind === 'template' && b.finger === 'right-index');
    const image = payload.biometrics.find((b) => b.kind === 'image' && b.finger === 'right-index');
    templateBlobId = template?.blobId ?? '';
    imageBlobId = image?.blobId ?? '';
    expect(parsePrintV2(hre.fp.vault.sealedBlob(templateBlobId)).centralKeyId).toBe(loadCentralTrust(hre.dataDir).encryption?.keyId);

    const identity = loadOrCreateIdentity(hre.dataDir);
    const trust = loadCentralTrust(hre.dataDir);
    const relay = new OutboxRelay({
      store: hre.store,
      identity,
      transport: new CentralClient({ url: centralUrl, connectTimeoutMs: 5000, responseTimeoutMs: 20_000, identity, centralKey: trust.publicKey, pinnedTlsPem: trust.tlsPem }),
      blobSource: (id) => hre.fp.vault.sealedBlob(id),
      bounds: { maxRecords: 50, maxBytes: 1024 * 1024 },
      backoff: { baseMs: 50, maxMs: 200 },
      unauthorisedRetryMs: 1000,
      idlePollMs: 100,
    });
    cleanup(() => relay.stop());
    await relay.runOnce();
    expect(hre.store.outbox.pending(10)).toHaveLength(0);
    const rows = await db.query<{ blob_id: string; data: Uint8Array }>('SELECT blob_id, data FROM registration_blobs WHERE registration_id = $1::uuid', [r.id]);
    expect(rows.length).toBe(payload.biometrics.length);
    const stored = rows.find((b) => b.blob_id === templateBlobId);
    expect(Buffer.from(stored?.data ?? []).equals(hre.fp.vault.sealedBlob(templateBlobId))).toBe(true);
  });

  it('is opened by the central through the audited admin route, and only for an admin', async () => {
    const signIn = async (username: string) => {
      const res = await central.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { username, password: STAFF_PASSWORD } });
      expect(res.statusCode).toBe(200);
      return String(res.headers['set-cookie']).split(';')[0] ?? '';
    };
    const admin = await signIn('ministry.admin');
    const auditor = await signIn('desk.auditor');
    const url = `/api/v1/admin/prints/${templateBlobId}/open`;
    const reason = 'Identity dispute raised by the Beitbridge office, case 2026-114';
    expect((await central.inject({ method: 'POST', url, headers: { cookie: auditor }, payload: { reason } })).statusCode).toBe(403);
    expect((await central.inject({ method: 'POST', url, headers: { cookie: admin }, payload: { reason: 'why' } })).statusCode).toBe(400);
    const res = await central.inject({ method: 'POST', url, headers: { cookie: admin }, payload: { reason } });
    expect(res.statusCode, res.body).toBe(200);
    const opened = res.json() as { data: string; finger: string; kind: string; officeCode: string; registrationId: string };
    expect(opened).toMatchObject({ finger: 'right-index', kind: 'template', officeCode: 'HRE', registrationId: hreRegistration });
    // What HRE's own vault holds, byte for byte.
    const own = hre.fp.vault.referenceTemplates(hreRegistration).find((t) => t.finger === 'right-index')?.template;
    expect(own && Buffer.from(opened.data, 'base64').equals(own)).toBe(true);
    const image = await central.inject({ method: 'POST', url: `/api/v1/admin/prints/${imageBlobId}/open`, headers: { cookie: admin }, payload: { reason } });
    expect(Buffer.from((image.json() as { data: string }).data, 'base64').subarray(1, 4).toString()).toBe('PNG');
    expect((await central.inject({ method: 'POST', url: '/api/v1/admin/prints/no-such-blob/open', headers: { cookie: admin }, payload: { reason } })).statusCode).toBe(404);

    const log = (await central.inject({ method: 'GET', url: '/api/v1/admin/prints/access-log', headers: { cookie: auditor } })).json() as {
      entries: Array<{ action: string; actor: string; blob_id: string | null; outcome: string; reason: string | null; code: string | null }>;
    };
    const opens = log.entries.filter((e) => e.action === 'open');
    expect(opens.map((e) => [e.actor, e.outcome, e.blob_id])).toEqual([
      ['ministry.admin', 'refused', 'no-such-blob'],
      ['ministry.admin', 'opened', imageBlobId],
      ['ministry.admin', 'opened', templateBlobId],
    ]);
    expect(opens[1]?.reason).toBe(reason);
  });

  it('cannot be opened by a reader of the batch on the way', async () => {
    expect(batchBodies.length).toBeGreaterThan(0);
    const wire = Buffer.concat(batchBodies.map((b) => (b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b)));
    const sealed = hre.fp.vault.sealedBlob(templateBlobId);
    // The reader has the very bytes the central stored ...
    expect(wire.includes(sealed.subarray(sealed.length - 64))).toBe(true);
    // ... but no template or image in clear ...
    const template = hre.fp.vault.referenceTemplates(hreRegistration).find((t) => t.finger === 'right-index')?.template ?? Buffer.alloc(0);
    expect(template.length).toBeGreaterThan(100);
    for (let at = 0; at + 32 <= template.length; at += 32) expect(wire.includes(template.subarray(at, at + 32))).toBe(false);
    // ... and neither key: not HRE's data key (another appliance's opens nothing), not the central's X25519 key.
    const ctx = { kind: 'fingerprint-template' as const, registrationId: hreRegistration, finger: 'right-index' };
    expect(() => openBlob(loadOrCreateDataKey(bbr.dataDir), sealed, ctx)).toThrow(expect.objectContaining({ code: 'CRYPTO_KEY_MISMATCH' }));
    const centralKeyId = parsePrintV2(sealed).centralKeyId;
    await expect(openPrintV2AtCentral(new Map([[centralKeyId, newX25519PrivateKey()]]), sealed, ctx)).rejects.toMatchObject({ reason: 'failed' });
    expect(createHash('sha256').update(sealed).digest('hex')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('verification at BBR against the print captured at HRE', () => {
  let app: FastifyInstance;
  let cookie: string;

  beforeAll(async () => {
    app = await buildAppliance({ store: bbr.store, bus: bbr.bus, scans: new ScanCache(), officeCode: 'BBR', fingerprints: bbr.fp, auth: TEST_AUTH });
    const { config } = parseConfig({ version: 1, dataDir: bbr.dataDir, central: { url: centralUrl } });
    const identity = loadOrCreateIdentity(bbr.dataDir);
    await app.register(remoteVerifyRoutes, { service: bbr.fp.service, remote: remotePrintsSource({ config, identity, trust: loadCentralTrust(bbr.dataDir), logger: pino({ level: 'silent' }) }) });
    await app.ready();
    await addOfficer(bbr.store.health().path, OFFICER, 'officer');
    cookie = await signInInject(app, OFFICER);
    cleanup(() => app.close());
  }, 60_000);

  const verifyRemote = async (personId: string) => {
    const r = bbr.store.registrations.create({ officeCode: 'BBR', officerId: OFFICER.officerId });
    bbr.store.registrations.attachDocument(r.id, passport('ZW4242424'), OFFICER.officerId);
    const stop = person(bbr, personId);
    try {
      const res = await app.inject({ method: 'POST', url: VERIFY_REMOTE_PATH.replace(':id', r.id), headers: { cookie }, payload: { againstRegistrationId: hreRegistration } });
      return { id: r.id, res };
    } finally {
      stop();
    }
  };

  it('matches the same finger, audited at both ends', async () => {
    const { id, res } = await verifyRemote('chipo');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ decision: 'match', againstRegistrationId: hreRegistration, againstOffice: 'HRE' });
    const audit = bbr.store.audit.forEntity('registration', id).find((a) => a.action === 'fingerprint.verified');
    expect(audit?.details).toMatchObject({ againstRegistrationId: hreRegistration, againstOffice: 'HRE', source: 'central', decision: 'match' });
    const [row] = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM print_access_log WHERE action = 'reseal' AND outcome = 'resealed' AND actor_office = 'BBR' AND registration_id = $1::uuid",
      [hreRegistration],
    );
    expect(row?.n).toBe(2);
  });

  it('does not match another person', async () => {
    const { res } = await verifyRemote('rudo');
    expect(res.statusCode, res.body).toBe(200);
    const out = res.json() as { decision: string; comparisons: Array<{ match: boolean }> };
    expect(out.decision).toBe('no-match');
    expect(out.comparisons.length).toBeGreaterThan(0);
    expect(out.comparisons.every((c) => !c.match)).toBe(true);
  });

  it('refuses an unknown registration with a clear code, and the central logs the refusal', async () => {
    const r = bbr.store.registrations.create({ officeCode: 'BBR', officerId: OFFICER.officerId });
    bbr.store.registrations.attachDocument(r.id, passport('ZW4242424'), OFFICER.officerId);
    const unknown = '00000000-0000-4000-8000-000000000000';
    const res = await app.inject({ method: 'POST', url: VERIFY_REMOTE_PATH.replace(':id', r.id), headers: { cookie }, payload: { againstRegistrationId: unknown } });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'REMOTE_PRINTS_REFUSED' });
    const [row] = await db.query<{ code: string }>("SELECT code FROM print_access_log WHERE registration_id = $1::uuid AND outcome = 'refused'", [unknown]);
    expect(row?.code).toBe('PRINT_NOT_FOUND');
  });
});
