import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pngToGreyImage } from '@lmc/firmware-bridge/fingerprint/image-png.ts';
import { decodeSimTemplate } from '@lmc/firmware-bridge/zfm/zfm-sim-template.ts';
import { build } from '@lmc/appliance/app.ts';
import { addOfficer, signInInject, TEST_AUTH } from '@lmc/appliance/auth/test-support.ts';
import { openBlob } from '@lmc/appliance/crypto/blob-cipher.ts';
import { dataKeyPath, loadOrCreateDataKey } from '@lmc/appliance/crypto/data-key.ts';
import { ScanCache } from '@lmc/appliance/devices/scan-cache.ts';
import { type BusEvents, EventBus } from '@lmc/appliance/events/event-bus.ts';
import type { CapturePlan } from '@lmc/appliance/fingerprints/fingerprint-config.ts';
import type { FingerName } from '@lmc/appliance/fingerprints/fingers.ts';
import type { FingerCondition } from '@lmc/appliance/fingerprints/simulated-reader.ts';
import { type RunningFingerprints, startFingerprints } from '@lmc/appliance/fingerprints/start-fingerprints.ts';
import { TemplateVault } from '@lmc/appliance/fingerprints/template-vault.ts';
import { createFinalizeService } from '@lmc/appliance/registrations/finalize-service.ts';
import type { Store } from '@lmc/appliance/store/index.ts';
import { openApplianceStore } from '@lmc/appliance/schema.ts';
import { passport } from '@lmc/appliance/store/test-support.ts';

// The module reports its baud as N × 9600; a fast simulated line keeps this file quick. At the real
// 57600 baud each capture spends ~7 s uploading the image (PROTOCOLS.md), which is the hardware's truth.
const FAST_BAUD = 240 * 9600;
const PLAN: CapturePlan = {
  fingers: ['right-index', 'left-index'],
  attempts: 3,
  minQuality: 40,
  placeTimeoutMs: 1500,
  liftTimeoutMs: 1500,
  storeImages: true,
};
const OFFICER = { officerId: 'BBR-020', pin: '730461' };

describe('fingerprint capture, exceptions, encryption at rest and verification (real pty simulator, real SQLite)', () => {
  let dataDir: string;
  let store: Store;
  let bus: EventBus;
  let fp: RunningFingerprints;
  let app: FastifyInstance;
  let supervisorCookie: string;
  let officerCookie: string;
  const logLines: string[] = [];
  const events: Array<{ name: string; e: Record<string, unknown> }> = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'fp-it-'));
    // Everything this part logs, at the most verbose level, for the "no biometric data in logs" check.
    const logger = pino({ level: 'trace', base: undefined }, { write: (line: string) => logLines.push(line) });
    store = openApplianceStore({ dataDir, logger });
    bus = new EventBus();
    for (const name of ['fingerprint.prompt', 'fingerprint.attempt', 'fingerprint.finger', 'fingerprint.workflow'] as const) {
      bus.subscribe(name, (e) => events.push({ name, e: e as unknown as Record<string, unknown> }));
    }
    fp = await startFingerprints({ device: { transport: 'simulator', baudRate: FAST_BAUD }, plan: PLAN, dataDir, store, bus, logger });
    expect(fp.feature.state).toMatchObject({ device: 'fingerprint', state: 'connected', simulated: true });
    app = await build({ store, bus, scans: new ScanCache(), officeCode: 'BBR', fingerprints: fp, logger, auth: TEST_AUTH });
    supervisorCookie = await signInInject(app);
    await addOfficer(store.health().path, OFFICER, 'officer');
    officerCookie = await signInInject(app, OFFICER);
  });

  afterAll(async () => {
    await app?.close();
    await fp?.stop();
    store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const sim = () => {
    const s = fp.feature.simulator;
    if (!s) throw new Error('simulator not running');
    return s;
  };

  /** A person at the glass who follows the reader's prompts, in the given condition per finger and attempt. */
  function person(personId: string, condition: (finger: FingerName, attempt: number) => FingerCondition = () => 'normal'): () => void {
    return bus.subscribe('fingerprint.prompt', (e) => {
      if (e.prompt === 'place-finger') sim().placeFinger(personId, e.finger, condition(e.finger, e.attempt));
      if (e.prompt === 'lift-finger') sim().liftFinger();
    });
  }

  function workflowEnd(registrationId: string): Promise<BusEvents['fingerprint.workflow']> {
    return new Promise((resolve) => {
      const off = bus.subscribe('fingerprint.workflow', (e) => {
        if (e.registrationId === registrationId && e.state !== 'started') {
          off();
          resolve(e);
        }
      });
    });
  }

  const newRegistration = (documentNumber?: string) => {
    const r = store.registrations.create({ officeCode: 'BBR', officerId: 'BBR-017' });
    if (documentNumber) store.registrations.attachDocument(r.id, passport(documentNumber), 'BBR-017');
    return r.id;
  };

  const inject = (method: 'GET' | 'POST', url: string, payload?: object, cookie = supervisorCookie) =>
    app.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) });

  async function capture(id: string, personId: string, body?: object, condition?: (f: FingerName, a: number) => FingerCondition) {
    const stop = person(personId, condition);
    const end = workflowEnd(id);
    const res = await inject('POST', `/api/registrations/${id}/fingerprints/capture`, body);
    expect(res.statusCode).toBe(202);
    const result = await end;
    stop();
    return result;
  }

  it('captures both fingers of the plan with live prompts in order and keeps no biometric data in the response', async () => {
    const id = newRegistration();
    const from = events.length;
    const end = await capture(id, 'tendai');
    expect(end).toMatchObject({ state: 'completed', kind: 'capture', fingers: ['right-index', 'left-index'] });
    const trail = events.slice(from).map(({ name, e }) => {
      if (name === 'fingerprint.prompt') return `${e.finger}:${e.prompt}`;
      if (name === 'fingerprint.attempt') return `${e.finger}:attempt-${e.attempt}:${e.accepted ? 'accepted' : 'rejected'}`;
      if (name === 'fingerprint.finger') return `${e.finger}:${e.outcome}`;
      return `workflow:${e.state}`;
    });
    expect(trail).toEqual([
      'workflow:started',
      'right-index:place-finger',
      'right-index:finger-detected',
      'right-index:attempt-1:accepted',
      'right-index:lift-finger',
      'right-index:captured',
      'left-index:place-finger',
      'left-index:finger-detected',
      'left-index:attempt-1:accepted',
      'left-index:lift-finger',
      'left-index:captured',
      'workflow:completed',
    ]);
    const res = await inject('GET', `/api/registrations/${id}/fingerprints`);
    expect(res.statusCode).toBe(200);
    const body = res.json() as { fingers: Array<Record<string, unknown>>; workflow: { state: string } };
    expect(body.workflow.state).toBe('completed');
    expect(body.fingers.map((f) => [f.finger, f.status, f.attempts, f.belowThreshold])).toEqual([
      ['right-index', 'captured', 1, false],
      ['left-index', 'captured', 1, false],
    ]);
    for (const f of body.fingers) {
      expect(f.quality).toBeGreaterThanOrEqual(PLAN.minQuality);
      expect(Object.keys(f).some((k) => /template|image$/i.test(k))).toBe(false);
    }
    expect(store.audit.forEntity('registration', id).map((a) => a.action)).toEqual(
      expect.arrayContaining(['fingerprint.captured', 'fingerprint.captured']),
    );
  });

  it('captures a low-quality finger again and keeps the best attempt', async () => {
    const id = newRegistration();
    const from = events.length;
    // Wet finger twice, then dried: two rejected attempts and an accepted third.
    await capture(id, 'rudo', { fingers: ['right-index'] }, (_f, attempt) => (attempt < 3 ? 'wet' : 'normal'));
    const attempts = events.slice(from).filter((x) => x.name === 'fingerprint.attempt').map((x) => x.e as { quality: number; accepted: boolean });
    expect(attempts.map((a) => a.accepted)).toEqual([false, false, true]);
    expect(attempts[0]!.quality).toBeLessThan(PLAN.minQuality);
    const [finger] = (await inject('GET', `/api/registrations/${id}/fingerprints`)).json().fingers as Array<{ quality: number; attempts: number }>;
    expect(finger).toMatchObject({ attempts: 3, quality: Math.max(...attempts.map((a) => a.quality)) });

    // Wet on every attempt: the best of the three is kept, flagged below the threshold.
    const low = newRegistration();
    const lowFrom = events.length;
    await capture(low, 'rudo', { fingers: ['right-index'] }, () => 'wet');
    const lowAttempts = events.slice(lowFrom).filter((x) => x.name === 'fingerprint.attempt').map((x) => (x.e as { quality: number }).quality);
    expect(lowAttempts).toHaveLength(3);
    expect(events.slice(lowFrom).find((x) => x.name === 'fingerprint.finger')?.e).toMatchObject({ outcome: 'low-quality' });
    const [kept] = (await inject('GET', `/api/registrations/${low}/fingerprints`)).json().fingers as Array<Record<string, unknown>>;
    expect(kept).toMatchObject({ status: 'captured', attempts: 3, belowThreshold: true, quality: Math.max(...lowAttempts) });
  });

  it('ends with a clear FP_FINGER_TIMEOUT when no finger is placed in time', async () => {
    const id = newRegistration();
    const end = workflowEnd(id);
    expect((await inject('POST', `/api/registrations/${id}/fingerprints/capture`)).statusCode).toBe(202);
    const result = await end;
    expect(result).toMatchObject({ state: 'failed', error: { code: 'FP_FINGER_TIMEOUT', message: 'No finger was placed on the sensor in time.' } });
    const body = (await inject('GET', `/api/registrations/${id}/fingerprints`)).json();
    expect(body.workflow).toMatchObject({ state: 'failed', error: { code: 'FP_FINGER_TIMEOUT' } });
    expect(body.fingers.map((f: { status: string }) => f.status)).toEqual(['pending', 'pending']);
  });

  it('runs one workflow at a time on the reader (409 DEVICE_BUSY) and can be cancelled', async () => {
    const a = newRegistration();
    const b = newRegistration();
    const end = workflowEnd(a);
    expect((await inject('POST', `/api/registrations/${a}/fingerprints/capture`)).statusCode).toBe(202);
    const busy = await inject('POST', `/api/registrations/${b}/fingerprints/capture`);
    expect(busy.statusCode).toBe(409);
    expect(busy.json()).toMatchObject({ code: 'DEVICE_BUSY' });
    expect((await inject('POST', `/api/registrations/${b}/fingerprints/cancel`)).json()).toMatchObject({ code: 'FP_NOT_RUNNING' });
    expect((await inject('POST', `/api/registrations/${a}/fingerprints/cancel`)).statusCode).toBe(202);
    expect(await end).toMatchObject({ state: 'cancelled', error: { code: 'FP_ABORTED' } });
    // The reader is free again.
    expect((await capture(b, 'chipo')).state).toBe('completed');
  });

  it('records an exception only with a supervisor: an officer gets 403, a supervisor records it', async () => {
    const id = newRegistration();
    const url = `/api/registrations/${id}/fingerprints/exceptions`;
    const refused = await inject('POST', url, { finger: 'left-index', reason: 'amputated' }, officerCookie);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'AUTH_FORBIDDEN' });
    expect((await inject('GET', `/api/registrations/${id}/fingerprints`)).json().fingers[1]).toMatchObject({ status: 'pending' });

    const recorded = await inject('POST', url, { finger: 'left-index', reason: 'amputated' });
    expect(recorded.statusCode).toBe(201);
    expect(recorded.json()).toMatchObject({ finger: 'left-index', status: 'exception', exceptionReason: 'amputated', approvedBy: 'BBR-017' });
    expect(store.audit.forEntity('registration', id).at(-1)).toMatchObject({
      actor: 'BBR-017',
      action: 'fingerprint.exception',
      details: { finger: 'left-index', reason: 'amputated' },
    });
    expect((await inject('POST', url, { finger: 'left-index', reason: 'lost-it' })).statusCode).toBe(400);
    expect((await inject('POST', url, { finger: 'right-thumb', reason: 'bandaged' })).json()).toMatchObject({ code: 'FP_NOT_IN_PLAN' });
  });

  it('stores templates encrypted, bound to their registration and finger', async () => {
    const id = newRegistration();
    await capture(id, 'nyasha', { fingers: ['right-index'] });
    const db = new Database(store.health().path, { readonly: true });
    try {
      const row = db.prepare(`SELECT template_blob, image_blob FROM fingerprints WHERE registration_id = ? AND finger = 'right-index'`).get(id) as {
        template_blob: Buffer;
        image_blob: Buffer | null;
      };
      expect(row.image_blob).not.toBeNull(); // storeImages: the best attempt's PNG, sealed like the template
      // Decrypting with the key file round-trips to a real 512-byte template of this finger.
      const key = loadOrCreateDataKey(dataDir);
      const ctx = { kind: 'fingerprint-template' as const, registrationId: id, finger: 'right-index' };
      const template = openBlob(key, row.template_blob, ctx);
      expect(template.length).toBe(512);
      expect(decodeSimTemplate(template)).toBeDefined();
      expect(fp.vault.referenceTemplates(id)[0]?.template.equals(template)).toBe(true);
      // The plaintext is nowhere in the row nor in the database files on disk.
      expect(row.template_blob.includes(template.subarray(0, 32))).toBe(false);
      for (const file of readdirSync(dataDir).filter((f) => f.startsWith('appliance.db'))) {
        expect(readFileSync(join(dataDir, file)).includes(template.subarray(0, 32))).toBe(false);
      }
      // A blob copied into another registration's row does not decrypt there.
      const other = newRegistration();
      const rw = new Database(store.health().path);
      rw.prepare(
        `INSERT INTO fingerprints (registration_id, finger, status, quality, attempts, template_format, template_blob, recorded_by, recorded_at)
         VALUES (?, 'right-index', 'captured', 90, 1, 'zfm-r30x', ?, 'intruder', 'now')`,
      ).run(other, row.template_blob);
      rw.close();
      expect(() => fp.vault.referenceTemplates(other)).toThrow(expect.objectContaining({ code: 'CRYPTO_DECRYPT_FAILED' }));
      expect(() => openBlob(key, row.template_blob, { ...ctx, registrationId: other })).toThrow(expect.objectContaining({ code: 'CRYPTO_DECRYPT_FAILED' }));
    } finally {
      db.close();
    }
  });

  it('verifies a returning migrant on the sensor: the same person matches, another does not', async () => {
    const first = newRegistration('ZW1234567');
    await capture(first, 'farai');
    store.registrations.finalize(first, 'BBR-017');

    const noReference = newRegistration('ZW7654321');
    expect((await inject('POST', `/api/registrations/${noReference}/fingerprints/verify`)).json()).toMatchObject({ code: 'FP_NO_REFERENCE' });

    const verify = async (id: string, personId: string) => {
      const stop = person(personId);
      const res = await inject('POST', `/api/registrations/${id}/fingerprints/verify`);
      stop();
      expect(res.statusCode).toBe(200);
      return res.json() as { decision: string; againstRegistrationId: string; comparisons: Array<{ finger: string; match: boolean; score: number }> };
    };
    const returning = newRegistration('ZW1234567');
    const same = await verify(returning, 'farai');
    expect(same).toMatchObject({ decision: 'match', againstRegistrationId: first });
    expect(same.comparisons).toHaveLength(1); // the first matching finger decides
    expect(same.comparisons[0]).toMatchObject({ finger: 'right-index', match: true });
    // The verification capture is that finger's capture (issue #14 item 3): it is not read again for the registration.
    const fingers = (await inject('GET', `/api/registrations/${returning}/fingerprints`)).json().fingers as Array<{ finger: string; status: string }>;
    expect(fingers.find((f) => f.finger === 'right-index')?.status).toBe('captured');
    expect(fingers.find((f) => f.finger === 'left-index')?.status).toBe('pending');

    const impostor = newRegistration('ZW1234567');
    const other = await verify(impostor, 'kudzai');
    expect(other.decision).toBe('no-match');
    expect(other.comparisons.map((c) => [c.finger, c.match])).toEqual([
      ['right-index', false],
      ['left-index', false],
    ]);
    expect(other.comparisons[0]!.score).toBeLessThan(same.comparisons[0]!.score);
    const audit = store.audit.forEntity('registration', impostor).find((a) => a.action === 'fingerprint.verified');
    expect(audit?.details).toMatchObject({ againstRegistrationId: first, decision: 'no-match' });
  });

  it('lists the sealed template and image blobs in the finalized outbox payload, without plaintext or key, and freezes the prints', async () => {
    const id = newRegistration('ZW5550001');
    await capture(id, 'tariro', { fingers: ['right-index'] });
    expect((await inject('POST', `/api/registrations/${id}/fingerprints/exceptions`, { finger: 'left-index', reason: 'bandaged' })).statusCode).toBe(201);
    createFinalizeService({ store, fingerprints: fp.vault }).finalize(id, 'BBR-017');
    const event = store.outbox.pending(1000).find((e) => e.registrationId === id);
    const payload = event?.payload as { fingerprints: unknown; biometrics: Array<Record<string, unknown>> };
    expect(payload.fingerprints).toEqual({
      captured: 1,
      exceptions: [{ finger: 'left-index', reason: 'bandaged' }],
      templates: 'sealed-in-biometrics',
    });
    const key = loadOrCreateDataKey(dataDir);
    expect(payload.biometrics.map((b) => [b.finger, b.kind, b.keyId, b.templateFormat])).toEqual([
      ['right-index', 'template', key.keyId, 'zfm-r30x'],
      ['right-index', 'image', key.keyId, 'zfm-r30x'],
    ]);
    // Each entry names a blob the relay can fetch as stored: its digest and size are of that ciphertext.
    for (const b of payload.biometrics) {
      expect(Object.keys(b).sort()).toEqual(['blobId', 'bytes', 'finger', 'keyId', 'kind', 'sha256', 'templateFormat']);
      const sealed = fp.vault.sealedBlob(b.blobId as string);
      expect(sealed.length).toBe(b.bytes);
      expect(createHash('sha256').update(sealed).digest('hex')).toBe(b.sha256);
      const plain = openBlob(key, sealed, { kind: `fingerprint-${b.kind as 'template' | 'image'}`, registrationId: id, finger: 'right-index' });
      expect(sealed.includes(plain.subarray(100, 132))).toBe(false);
    }
    const [templateEntry, imageEntry] = payload.biometrics;
    expect(openBlob(key, fp.vault.sealedBlob(templateEntry!.blobId as string), { kind: 'fingerprint-template', registrationId: id, finger: 'right-index' }).equals(
      fp.vault.referenceTemplates(id)[0]!.template,
    )).toBe(true);
    expect(fp.vault.sealedBlob(imageEntry!.blobId as string).length).toBeGreaterThan(1000);
    expect(() => fp.vault.sealedBlob('no-such-blob')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    // No plaintext and no key in the payload.
    const text = JSON.stringify(event?.payload);
    const template = fp.vault.referenceTemplates(id)[0]!.template;
    expect(text).not.toContain(template.toString('base64').slice(0, 24));
    expect(text).not.toContain(template.toString('hex').slice(0, 48));
    const keyFile = JSON.parse(readFileSync(dataKeyPath(dataDir), 'utf8')) as { key: string };
    expect(text).not.toContain(keyFile.key);
    expect(text).not.toContain(Buffer.from(keyFile.key, 'base64').toString('hex'));
    const again = await inject('POST', `/api/registrations/${id}/fingerprints/capture`);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'REGISTRATION_FINALIZED' });
  });

  it('serves a finger image only to a signed-in officer, decrypted, never cached, audited; 404 when none', async () => {
    const id = newRegistration();
    await capture(id, 'tatenda', { fingers: ['right-index'] });
    const url = `/api/registrations/${id}/fingerprints/right-index/image.png`;
    const anonymous = await app.inject({ method: 'GET', url });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ code: 'AUTH_REQUIRED' });
    // A stub header is not authentication.
    expect((await app.inject({ method: 'GET', url, headers: { 'x-officer-id': 'BBR-017' } })).statusCode).toBe(401);

    const res = await inject('GET', url, undefined, officerCookie);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['cache-control']).toBe('no-store');
    const image = pngToGreyImage(res.rawPayload);
    expect([image.width, image.height]).toEqual([256, 288]);
    // Lossless: the PNG served is the PNG sealed in the vault, byte for byte.
    expect(res.rawPayload.equals(fp.vault.image(id, 'right-index')!)).toBe(true);
    expect(store.audit.forEntity('registration', id).at(-1)).toMatchObject({ actor: OFFICER.officerId, action: 'fingerprint.image-viewed', details: { finger: 'right-index' } });

    expect((await inject('GET', `/api/registrations/${id}/fingerprints/left-index/image.png`)).json()).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    expect((await inject('GET', `/api/registrations/${newRegistration()}/fingerprints/right-index/image.png`)).statusCode).toBe(404);
    expect((await inject('GET', `/api/registrations/${crypto.randomUUID()}/fingerprints/right-index/image.png`)).statusCode).toBe(404);
    expect((await inject('GET', `/api/registrations/${id}/fingerprints/right-nose/image.png`)).statusCode).toBe(400);
  });

  it('leaves no plaintext image in the database files: neither a pixel run nor a run of its PNG bytes', async () => {
    const id = newRegistration();
    await capture(id, 'vimbai', { fingers: ['right-index'] });
    const png = fp.vault.image(id, 'right-index')!;
    const { pixels } = pngToGreyImage(png);
    // A run of ridge pixels from the middle of the print (not background, which is one repeated grey).
    const mid = 144 * 256 + 64;
    const pixelRun = Buffer.from(pixels.subarray(mid, mid + 48));
    expect(new Set(pixelRun).size).toBeGreaterThan(8);
    const pngRun = png.subarray(Math.floor(png.length / 2), Math.floor(png.length / 2) + 48);
    const db = new Database(store.health().path, { readonly: true });
    const blobId = db.prepare('SELECT image_blob_id FROM fingerprints WHERE registration_id = ?').pluck().get(id) as string;
    db.close();
    const sealedRun = fp.vault.sealedBlob(blobId).subarray(200, 248);
    const files = readdirSync(dataDir).filter((f) => /^appliance\.db(-wal)?$/.test(f));
    expect(files).toContain('appliance.db');
    const bytes = Buffer.concat(files.map((f) => readFileSync(join(dataDir, f))));
    // The search can find what is there: the ciphertext run is in the files...
    expect(bytes.includes(sealedRun)).toBe(true);
    // ...and the plaintext is not, raw or PNG-compressed.
    expect(bytes.includes(pixelRun)).toBe(false);
    expect(bytes.includes(pngRun)).toBe(false);
  });

  it('fails loudly with a coded CRYPTO error under a different data key, naming no key material', async () => {
    const id = newRegistration();
    await capture(id, 'nyasha', { fingers: ['right-index'] });
    const otherDir = mkdtempSync(join(tmpdir(), 'fp-otherkey-'));
    const vaults: TemplateVault[] = [];
    try {
      // Another appliance's key (another key id) and this appliance's key id over other key bytes (a hand-edited file).
      const foreign = loadOrCreateDataKey(otherDir);
      const ours = JSON.parse(readFileSync(dataKeyPath(dataDir), 'utf8')) as { key: string; keyId: string };
      const forged = { ...ours, key: Buffer.alloc(32, 7).toString('base64') };
      writeFileSync(dataKeyPath(otherDir), JSON.stringify(forged));
      const sameId = loadOrCreateDataKey(otherDir);
      expect(sameId.keyId).toBe(ours.keyId);
      const cases = [
        [foreign, 'CRYPTO_KEY_MISMATCH'],
        [sameId, 'CRYPTO_DECRYPT_FAILED'],
      ] as const;
      for (const [key, code] of cases) {
        const vault = new TemplateVault({ db: store.connection, key });
        vaults.push(vault);
        for (const read of [() => vault.referenceTemplates(id), () => vault.image(id, 'right-index')]) {
          const err = (() => {
            try {
              read();
            } catch (e) {
              return e as Error & { code: string; context?: unknown };
            }
            return undefined;
          })();
          expect(err?.code).toBe(code);
          const said = `${err?.message} ${JSON.stringify(err?.context ?? {})}`;
          for (const secret of [ours.key, forged.key, Buffer.from(ours.key, 'base64').toString('hex'), Buffer.from(forged.key, 'base64').toString('hex')]) {
            expect(said).not.toContain(secret);
          }
        }
      }
    } finally {
      for (const v of vaults) v.close();
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('logs no template, image or key bytes anywhere in the runs above', () => {
    expect(logLines.length).toBeGreaterThan(20);
    const text = logLines.join('');
    const secrets: string[] = [];
    const db = new Database(store.health().path, { readonly: true });
    const ids = db.prepare('SELECT DISTINCT registration_id FROM fingerprints').pluck().all() as string[];
    db.close();
    for (const id of ids) {
      try {
        for (const r of fp.vault.referenceTemplates(id)) {
          secrets.push(r.template.toString('hex'), r.template.toString('base64'));
          const png = fp.vault.image(id, r.finger);
          if (png) secrets.push(png.subarray(64, 256).toString('hex'), png.subarray(64, 256).toString('base64'));
        }
      } catch {
        /* the planted row of the encryption test */
      }
    }
    expect(secrets.length).toBeGreaterThan(4);
    const keyFile = JSON.parse(readFileSync(join(dataDir, 'keys', 'data.key'), 'utf8')) as { key: string };
    secrets.push(keyFile.key, Buffer.from(keyFile.key, 'base64').toString('hex'));
    for (const s of secrets) {
      expect(text.includes(s)).toBe(false);
      expect(text.includes(s.slice(0, 32))).toBe(false);
    }
    // Nor any long run of hex or base64 (an image is 73,728 bytes; a template 512).
    expect(text.match(/[0-9a-fA-F]{128,}/)).toBeNull();
    expect(text.match(/[A-Za-z0-9+/]{172,}={0,2}/)).toBeNull();
  });
});
