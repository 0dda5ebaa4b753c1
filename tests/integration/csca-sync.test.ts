/**
 * CSCA certificates from the central to the chip verdict (#18): an admin uploads the issuing state's CSCA at a
 * central on real PostgreSQL over HTTPS, the appliance's signed reference pull brings it down (the central's
 * certificate pinned, every page signed and checked), and the same simulated passport that read "unknown issuer"
 * against the appliance's local CSCA file now reads "genuine"; withdrawing the CSCA at the central undoes it.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_CSCA_PATH } from '@lmc/central/csca/csca-routes.ts';
import { createLogger } from '@lmc/core/logger.ts';
import { createCsca, toPem } from '@lmc/firmware-bridge/chip/simulator/sim-pki.ts';
import { parseMrz } from '@lmc/firmware-bridge/mrz/index.ts';
import { ChipFeature } from '@lmc/appliance/chip/chip-feature.ts';
import { ChipRepository } from '@lmc/appliance/chip/chip-repository.ts';
import { ChipService } from '@lmc/appliance/chip/chip-service.ts';
import { SyncedCscas } from '@lmc/appliance/chip/csca-sync.ts';
import { loadCscaTrust, SYNCED_CSCA_FILE, unionCscaTrust, type CscaTrust } from '@lmc/appliance/chip/csca-trust.ts';
import { loadOrCreateDataKey } from '@lmc/appliance/crypto/data-key.ts';
import { sampleDocumentLines } from '@lmc/appliance/devices/sample-documents.ts';
import { EventBus } from '@lmc/appliance/events/event-bus.ts';
import { ReferenceClient } from '@lmc/appliance/reference/client.ts';
import { ReferenceSync } from '@lmc/appliance/reference/reference-sync.ts';
import { type ForwardingRig, startForwardingRig } from '../support/forwarding-rig.ts';

const ADMIN = 'csca-integration-admin-token-0123456789';
const log = createLogger('csca-sync-test');

let rig: ForwardingRig;
let feature: ChipFeature;
let service: ChipService;
let reference: ReferenceSync;
let trust: () => CscaTrust;

beforeAll(async () => {
  rig = await startForwardingRig({ prefix: 'csca-sync-', adminToken: ADMIN });
  const bus = new EventBus();
  feature = new ChipFeature({ config: { transport: 'simulator', chunk: 0xdf, cardWaitMs: 200 }, bus, logger: log });
  await feature.start();
  // The post's local file holds another state's CSCA: without the issuer's, a chip reads "unknown issuer".
  const localPem = join(rig.dataDir, 'local-csca.pem');
  writeFileSync(localPem, toPem([(await createCsca('ZA')).certificate]));
  trust = unionCscaTrust(await loadCscaTrust(localPem, log), new SyncedCscas(rig.store.connection, log));
  service = new ChipService({ feature, repository: new ChipRepository(rig.store, loadOrCreateDataKey(rig.dataDir)), store: rig.store, bus, trust, logger: log });
  service.start();
  const client = new ReferenceClient({ url: rig.proxy.httpsUrl, identity: rig.identity, connectTimeoutMs: 2000, responseTimeoutMs: 5000, ...rig.trust.client });
  reference = new ReferenceSync({ db: rig.store.connection, transport: client, pageSize: 500, pollMs: 60_000, backoff: { baseMs: 100, maxMs: 1000 }, unauthorisedRetryMs: 1000 });
}, 120_000);

afterAll(async () => {
  await reference?.stop();
  await service?.stop();
  await feature?.stop();
  await rig?.close();
});

/** A registration with the sample passport attached, its chip read now: the passive-authentication outcome. */
async function readChip(): Promise<string | undefined> {
  const lines = sampleDocumentLines(0);
  const id = rig.store.registrations.create({ officeCode: 'BBR', officerId: 'o1' }).id;
  rig.store.registrations.attachDocument(id, { ...parseMrz(lines) }, 'o1');
  const result = await service.readNow(id, lines, 'o1');
  expect(result.status).toBe('read');
  return result.passiveAuthentication?.outcome;
}

async function admin(method: 'POST' | 'DELETE', path: string, body?: Buffer) {
  const res = await rig.central.inject({
    method,
    url: path,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/x-pem-file' } : {}) },
    ...(body ? { payload: body } : {}),
  });
  expect(res.statusCode, res.payload).toBe(200);
  return res.json() as { version: number; added: number; removed: number };
}

describe('a CSCA uploaded at the central reaches the appliance', () => {
  it('turns an unknown-issuer chip into a genuine one, and back when the central withdraws it', async () => {
    expect(await readChip()).toBe('unknown-issuer');
    expect(trust().files.map((f) => f.file)).not.toContain(SYNCED_CSCA_FILE);

    // The simulated issuing state's CSCA, as the simulator publishes it (PEM).
    const pem = feature.simulatedCscaList as Buffer;
    const uploaded = await admin('POST', ADMIN_CSCA_PATH, pem);
    expect(uploaded.added).toBe(1);
    const pull = await reference.pullOnce();
    expect(pull).toMatchObject({ complete: true, applied: 1 });
    expect(reference.status().version).toBe(uploaded.version);
    expect(trust().files).toContainEqual({ file: SYNCED_CSCA_FILE, certificates: 1, form: 'reference-sync' });
    expect(trust().certificates).toHaveLength(2);
    expect(await readChip()).toBe('genuine');

    const fingerprint = (rig.store.connection.prepare('SELECT fingerprint FROM ref_csca_certificates').get() as { fingerprint: string }).fingerprint;
    await admin('DELETE', `${ADMIN_CSCA_PATH}/${fingerprint}`);
    expect(await reference.pullOnce()).toMatchObject({ complete: true, applied: 1 });
    expect(trust().certificates).toHaveLength(1);
    expect(await readChip()).toBe('unknown-issuer');
  });

  it('a copy on disk that no longer matches its fingerprint is left out, not trusted', async () => {
    const other = await createCsca('ZW');
    await admin('POST', ADMIN_CSCA_PATH, Buffer.from(toPem([other.certificate])));
    await reference.pullOnce();
    expect(trust().certificates).toHaveLength(2);
    // Someone edits the copy on disk; the next pull moves the reference version, so the set is read again.
    const sql = rig.store.connection;
    const row = sql.prepare('SELECT fingerprint, der_base64 FROM ref_csca_certificates').get() as { fingerprint: string; der_base64: string };
    sql.prepare('UPDATE ref_csca_certificates SET fingerprint = ? WHERE fingerprint = ?').run(randomUUID().replace(/-/g, '').padEnd(64, '0'), row.fingerprint);
    await admin('POST', ADMIN_CSCA_PATH, Buffer.from(toPem([(await createCsca('MZ')).certificate])));
    await reference.pullOnce();
    const t = trust();
    expect(t.refused).toEqual([expect.objectContaining({ reason: 'the certificate does not match its fingerprint' })]);
    expect(t.certificates).toHaveLength(2);
  });
});
