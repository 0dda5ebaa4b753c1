/** The same feed on embedded PGlite (the central's default without DATABASE_URL): triggers and plpgsql work there too. */
import { describe, expect, it } from 'vitest';
import { migrate } from '../db/migrations.ts';
import { createPgliteDb } from '../db/pglite-db.ts';
import { applyReferenceEdits } from './admin.ts';
import { deviceScopes, readReferencePage } from './feed.ts';

describe('reference feed on PGlite', () => {
  it('records upserts, a scope-filtered page, and a delete as a tombstone', async () => {
    const db = await createPgliteDb();
    try {
      await migrate(db);
      await applyReferenceEdits(db, 'provinces', { upsert: [{ code: 'ZW-MV', name: 'Masvingo' }] });
      await applyReferenceEdits(db, 'offices', {
        upsert: [{ code: 'CHR', name: 'Chiredzi', province_code: 'ZW-MV', district_code: null, destination_provinces: ['ZA-MP', 'ZA-LP'] }],
      });
      await applyReferenceEdits(db, 'occupations', { upsert: [{ isco_code: '9', title: 'Elementary occupations', level: 1, parent_code: null }] });
      await applyReferenceEdits(db, 'employers', {
        upsert: [{ employer_id: 'E1', name: 'Demo farm', country: 'ZA', province: 'ZA-LP', sector: 'farm', demo: true }],
      });
      const vacancy = (id: string, province: string) => ({
        vacancy_id: id, employer_id: 'E1', occupation_isco: '9', destination_province: province, positions: 3, opens_on: '2026-11-01', closes_on: null, status: 'open', demo: true,
      });
      await applyReferenceEdits(db, 'vacancies', { upsert: [vacancy('V1', 'ZA-LP'), vacancy('V2', 'ZA-GP')] });

      const scopes = await deviceScopes(db, 'CHR');
      expect(scopes).toEqual(['*', 'office:CHR', 'destination:ZA-LP', 'destination:ZA-MP']);
      const full = await readReferencePage(db, { since: 0, limit: 100, scopes });
      expect(full.complete).toBe(true);
      expect(full.changes.map((c) => c.key)).toEqual(['ZW-MV', 'CHR', '9', 'E1', 'V1']);
      expect(full.changes[1]?.row?.destination_provinces).toEqual(['ZA-MP', 'ZA-LP']);
      expect(full.changes[4]?.row).toMatchObject({ opens_on: '2026-11-01', closes_on: null, positions: 3, demo: true });

      await applyReferenceEdits(db, 'vacancies', { delete: ['V1'] });
      const next = await readReferencePage(db, { since: full.toVersion, limit: 100, scopes });
      expect(next.changes.map((c) => [c.table, c.op, c.key, c.row])).toEqual([['vacancies', 'delete', 'V1', null]]);
    } finally {
      await db.close();
    }
    // PGlite's start-up alone takes tens of seconds on a loaded 2-core machine.
  }, 120_000);
});
