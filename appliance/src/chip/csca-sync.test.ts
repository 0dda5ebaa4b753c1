/**
 * The CSCA certificates synced from the central as the chip check sees them: the union with the local file (a
 * certificate in both counts once), re-read only when the reference copy moves, and the migration that makes an
 * appliance already synced pull again from 0 so certificates it skipped before it knew the table still arrive.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@lmc/core/logger.ts';
import { createCsca } from '@lmc/firmware-bridge/chip/simulator/sim-pki.ts';
import { MIGRATIONS, openApplianceStore } from '../schema.ts';
import { openStore } from '../store/index.ts';
import type { Store } from '../store/types.ts';
import { tempDir } from '../store/test-support.ts';
import { SyncedCscas } from './csca-sync.ts';
import { type CscaTrust, SYNCED_CSCA_FILE, unionCscaTrust } from './csca-trust.ts';
import { CSCA_SYNC_MIGRATION_NAME } from './csca-sync-schema.ts';

const log = createLogger('csca-sync-test');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function store(): { store: Store; dir: string } {
  const tmp = tempDir('csca-sync-');
  const s = openApplianceStore({ dataDir: tmp.dir });
  cleanups.push(() => {
    s.close();
    tmp.remove();
  });
  return { store: s, dir: tmp.dir };
}

async function row(country: string) {
  const csca = await createCsca(country);
  const der = Buffer.from(csca.certificate.toSchema().toBER());
  return { certificate: csca.certificate, fingerprint: createHash('sha256').update(der).digest('hex'), der_base64: der.toString('base64') };
}

function insert(s: Store, r: { fingerprint: string; der_base64: string }, country = 'ZW') {
  s.connection
    .prepare("INSERT INTO ref_csca_certificates (fingerprint, country, subject, not_before, not_after, der_base64) VALUES (?, ?, 'CN=x', '2020-01-01', '2040-01-01', ?)")
    .run(r.fingerprint, country, r.der_base64);
  s.connection.prepare('UPDATE ref_sync_state SET version = version + 1 WHERE id = 1').run();
}

describe('unionCscaTrust', () => {
  it('trusts the local file and the synced set, a certificate in both once, and rebuilds only when the copy moves', async () => {
    const { store: s } = store();
    const zw = await row('ZW');
    const za = await row('ZA');
    const local: CscaTrust = { certificates: [zw.certificate], files: [{ file: '/etc/lmc/csca.pem', certificates: 1, form: 'pem' }], refused: [] };
    const synced = new SyncedCscas(s.connection, log);
    const trust = unionCscaTrust(local, synced);
    expect(trust().certificates).toHaveLength(1);
    expect(trust().files.map((f) => f.file)).toEqual(['/etc/lmc/csca.pem']);

    insert(s, zw);
    insert(s, za, 'ZA');
    const t = trust();
    expect(t.certificates).toHaveLength(2);
    expect(t.files).toEqual([local.files[0], { file: SYNCED_CSCA_FILE, certificates: 2, form: 'reference-sync' }]);
    expect(trust()).toBe(t);

    s.connection.prepare('DELETE FROM ref_csca_certificates WHERE fingerprint = ?').run(za.fingerprint);
    expect(trust()).toBe(t);
    s.connection.prepare('UPDATE ref_sync_state SET version = version + 1 WHERE id = 1').run();
    expect(trust().certificates).toHaveLength(1);
  });

  it('leaves out a row that does not parse, and says so', async () => {
    const { store: s } = store();
    insert(s, { fingerprint: 'f'.repeat(64), der_base64: Buffer.from('not a certificate').toString('base64') });
    const t = unionCscaTrust({ certificates: [], files: [], refused: [] }, new SyncedCscas(s.connection, log))();
    expect(t.certificates).toEqual([]);
    expect(t.refused).toEqual([{ file: `central:${'f'.repeat(64)}`, reason: 'the certificate does not match its fingerprint' }]);
  });
});

describe('migration', () => {
  it('an appliance synced before it knew the table pulls again from 0, keeping its rows and epoch', () => {
    const tmp = tempDir('csca-migration-');
    cleanups.push(tmp.remove);
    const mine = MIGRATIONS.find((m) => m.name === CSCA_SYNC_MIGRATION_NAME);
    expect(mine).toBeDefined();
    const before = openStore({ dataDir: tmp.dir, migrations: MIGRATIONS.filter((m) => m.version < (mine?.version ?? 0)) });
    before.connection.prepare("UPDATE ref_sync_state SET version = 42, head_version = 42, epoch = 'feed-1.x' WHERE id = 1").run();
    before.connection.prepare("INSERT INTO ref_provinces (code, name) VALUES ('ZW-MS', 'Matabeleland South')").run();
    before.close();
    const after = openApplianceStore({ dataDir: tmp.dir });
    cleanups.unshift(() => after.close());
    expect(after.connection.prepare('SELECT version, head_version, epoch FROM ref_sync_state').get()).toEqual({ version: 0, head_version: 42, epoch: 'feed-1.x' });
    expect(after.connection.prepare('SELECT count(*) AS n FROM ref_provinces').get()).toEqual({ n: 1 });
  });
});
