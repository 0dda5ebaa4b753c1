/** Shared fixtures for the reference tests: a migrated store file, pages shaped like the central's. */
import type { Database } from 'better-sqlite3';
import { createLogger } from '@lmc/core/logger.ts';
import type { ReferenceChange, ReferencePage } from '@lmc/protocol/reference-feed.ts';
import { openDatabase, type Store } from '../store/index.ts';
import { openApplianceStore } from '../schema.ts';
import { tempDir } from '../store/test-support.ts';

export interface ReferenceFixture {
  store: Store;
  db: Database;
  close(): void;
}

/** A real store file in a temp dir and a second connection to it (as ReferenceSync.fromConfig opens). */
export function openReferenceFixture(): ReferenceFixture {
  const tmp = tempDir('reference-');
  const store = openApplianceStore({ dataDir: tmp.dir });
  const db = openDatabase(store.health().path, tmp.dir, createLogger('test'));
  return {
    store,
    db,
    close() {
      if (db.open) db.close();
      store.close();
      tmp.remove();
    },
  };
}

export const EPOCH = 'feed-1.aaaaaaaaaaaaaaaa';

export function page(fromVersion: number, changes: Array<Omit<ReferenceChange, 'version'> & { version?: number }>, o: Partial<ReferencePage> = {}): ReferencePage {
  let v = fromVersion;
  const withVersions = changes.map((c) => ({ ...c, version: c.version ?? ++v }));
  const toVersion = o.toVersion ?? (withVersions.at(-1)?.version ?? fromVersion);
  return { epoch: EPOCH, fromVersion, toVersion, headVersion: toVersion, complete: true, changes: withVersions, serverTime: new Date().toISOString(), ...o };
}

export const province = (code: string, name: string): Omit<ReferenceChange, 'version'> => ({ table: 'provinces', op: 'upsert', key: code, row: { code, name } });
export const district = (code: string, provinceCode: string, name: string): Omit<ReferenceChange, 'version'> => ({
  table: 'districts',
  op: 'upsert',
  key: code,
  row: { code, province_code: provinceCode, name },
});
export const occupation = (code: string, title: string, common: [string, number] | null = null): Omit<ReferenceChange, 'version'> => ({
  table: 'occupations',
  op: 'upsert',
  key: code,
  row: { isco_code: code, title, level: code.length, parent_code: code.length > 1 ? code.slice(0, -1) : null, common_sector: common?.[0] ?? null, common_rank: common?.[1] ?? null },
});
export const employer = (id: string, name: string, demo = true): Omit<ReferenceChange, 'version'> => ({
  table: 'employers',
  op: 'upsert',
  key: id,
  row: { employer_id: id, name, country: 'ZA', province: 'ZA-LP', town: 'Musina', sector: 'farm', demo },
});
export const vacancy = (id: string, employerId: string, isco: string, o: Record<string, unknown> = {}): Omit<ReferenceChange, 'version'> => ({
  table: 'vacancies',
  op: 'upsert',
  key: id,
  row: {
    vacancy_id: id,
    employer_id: employerId,
    occupation_isco: isco,
    destination_province: 'ZA-LP',
    title: null,
    positions: 10,
    opens_on: '2026-01-01',
    closes_on: '2027-12-31',
    status: 'open',
    demo: true,
    ...o,
  },
});
export const remove = (table: ReferenceChange['table'], key: string): Omit<ReferenceChange, 'version'> => ({ table, op: 'delete', key, row: null });
