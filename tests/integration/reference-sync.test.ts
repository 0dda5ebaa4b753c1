/**
 * Reference down-sync end to end: a listening central on real PostgreSQL with the shipped seed,
 * an appliance store pulling over HTTPS (the central's certificate pinned, every page signed by the
 * central's key and checked) with its own identity (appliance/src/keys/identity.ts), an
 * update and a delete at the central reaching it on the next pull, and the copy answering queries
 * with the central stopped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_ADMIN_PATH } from '@lmc/protocol/reference-feed.ts';
import { loadReferenceSeed } from '@lmc/central/reference/seed.ts';
import { loadOrCreateIdentity } from '@lmc/appliance/keys/identity.ts';
import { ReferenceClient } from '@lmc/appliance/reference/client.ts';
import { ReferenceSync } from '@lmc/appliance/reference/reference-sync.ts';
import { openReferenceFixture, type ReferenceFixture } from '@lmc/appliance/reference/test-support.ts';
import { tempDir } from '@lmc/appliance/store/test-support.ts';
import { Agent, fetch as undiciFetch } from 'undici';
import { useCentralOnPg } from '../../central/test/central-on-pg.ts';
import { type LinkTrust, makeLinkTrust } from '../support/link-trust.ts';

/** The central takes admin tokens of 32 characters or more. */
const ADMIN = 'integration-admin-token-0123456789ab';
const HOUR = 3_600_000;

let url: string;
let fx: ReferenceFixture;
let keysDir: ReturnType<typeof tempDir>;
let identity: ReturnType<typeof loadOrCreateIdentity>;
let client: ReferenceClient;
let reference: ReferenceSync;
let trust: LinkTrust;
let pinned: Agent;

beforeAll(async () => {
  keysDir = tempDir('reference-keys-');
  identity = loadOrCreateIdentity(keysDir.dir);
  trust = await makeLinkTrust();
  pinned = new Agent({ connect: { ca: trust.tls.cert } });
});

const central = useCentralOnPg(
  () => ({
    devices: [{ deviceId: identity.deviceId, officeCode: 'BBR', publicKeyPem: identity.publicKeyPem }],
    reference: { adminToken: ADMIN },
    https: trust.tls,
    centralKey: trust.centralKey,
  }),
  (db) => loadReferenceSeed(db, { demo: true }).then(() => undefined),
);

beforeAll(async () => {
  url = await central.app.listen({ host: '127.0.0.1', port: 0 });
  fx = openReferenceFixture();
  // The appliance's clock is two hours slow (no RTC battery, no NTP yet): the client must correct it from the central's Date header.
  client = new ReferenceClient({ url, identity, connectTimeoutMs: 2000, responseTimeoutMs: 5000, now: () => Date.now() - 2 * HOUR, ...trust.client });
  reference = new ReferenceSync({ db: fx.db, transport: client, pageSize: 100, pollMs: 60_000, backoff: { baseMs: 100, maxMs: 1000 }, unauthorisedRetryMs: 1000 });
});

afterAll(async () => {
  await reference?.stop();
  fx?.close();
  keysDir?.remove();
  await pinned?.close();
});

async function admin(table: string, body: unknown) {
  const res = await undiciFetch(`${url}${REFERENCE_ADMIN_PATH}/${table}`, {
    dispatcher: pinned,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

async function centralCount(sql: string): Promise<number> {
  return (await central.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`))[0]!.n;
}

describe('reference pull from a listening central', () => {
  it('copies everything this Beitbridge appliance may see, in pages, after correcting its clock', async () => {
    const result = await reference.pullOnce();
    expect(result.complete).toBe(true);
    expect(result.pages).toBeGreaterThan(1);
    expect(Math.abs(client.clockOffsetMs - 2 * HOUR)).toBeLessThan(5000);
    expect(reference.queries.counts()).toEqual({
      provinces: await centralCount('ref_provinces'),
      districts: await centralCount('ref_districts'),
      occupations: await centralCount('ref_occupations'),
      offices: 4,
      officers: await centralCount("ref_officers WHERE office_code = 'BBR'"),
      employers: await centralCount('ref_employers'),
      vacancies: await centralCount("ref_vacancies WHERE destination_province = 'ZA-LP'"),
    });
    const status = reference.status();
    expect(status).toMatchObject({ linkState: 'online', lagVersions: 0, lastError: null });
    expect(status.version).toBeGreaterThan(0);
    expect(reference.queries.occupations('', 3).map((o) => o.commonSector)).toEqual(['farm', 'farm', 'farm']);
    expect(reference.queries.districts('ZW-MS').map((d) => d.name)).toContain('Beitbridge');
  });

  it('brings an update and a delete made at the central on the next pull', async () => {
    const before = reference.status().version;
    await admin('vacancies', {
      upsert: [
        {
          vacancy_id: 'DEMO-VAC-001', employer_id: 'DEMO-EMP-001', occupation_isco: '9211', destination_province: 'ZA-LP',
          title: 'Citrus pickers, 2027 season', positions: 55, opens_on: '2026-11-01', closes_on: '2027-06-30', status: 'open', demo: true,
        },
      ],
    });
    await admin('vacancies', { delete: ['DEMO-VAC-007'] });
    const result = await reference.pullOnce();
    expect(result).toMatchObject({ complete: true, applied: 2 });
    expect(reference.status().version).toBeGreaterThan(before);
    const rows = fx.db.prepare("SELECT vacancy_id, positions FROM ref_vacancies WHERE vacancy_id IN ('DEMO-VAC-001', 'DEMO-VAC-007')").all();
    expect(rows).toEqual([{ vacancy_id: 'DEMO-VAC-001', positions: 55 }]);
  });

  it('keeps answering queries from the local copy with the central stopped, and reports the link down', async () => {
    const version = reference.status().version;
    await central.app.close();
    // The kept-alive connection dies first (connection-lost), then nothing listens (connect-refused).
    expect((await reference.pullOnce()).complete).toBe(false);
    expect(reference.status()).toMatchObject({ linkState: 'offline', version, lastError: expect.stringMatching(/connection-lost|connect-refused/) });
    expect((await reference.pullOnce()).complete).toBe(false);
    expect(reference.status()).toMatchObject({ linkState: 'backing-off', version, lastError: expect.stringContaining('connect-refused') });
    const employers = reference.queries.employers({ q: 'citrus' });
    expect(employers.map((e) => e.employerId)).toEqual(['DEMO-EMP-001']);
    expect(employers[0]?.openVacancies.find((v) => v.vacancyId === 'DEMO-VAC-001')?.positions).toBe(55);
    expect(reference.queries.occupations('brick').map((o) => o.iscoCode)).toContain('7112');
    expect(reference.queries.offices().map((o) => o.code)).toEqual(['BBR', 'CHR', 'HRE', 'MSV']);
  });
});
