import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REFERENCE_TABLES } from '@lmc/protocol/reference-tables.ts';
import { createReferenceApplier } from './apply.ts';
import { EPOCH, district, employer, openReferenceFixture, page, province, remove, type ReferenceFixture, vacancy } from './test-support.ts';

const NOW = new Date('2026-11-23T08:00:00Z');
let fx: ReferenceFixture;

beforeEach(() => {
  fx = openReferenceFixture();
});
afterEach(() => fx.close());

const rows = (sql: string) => fx.db.prepare(sql).all();

describe('reference tables on the appliance', () => {
  it('have exactly the columns tables.ts declares (the central and the appliance agree)', () => {
    for (const def of REFERENCE_TABLES) {
      const cols = (fx.db.prepare(`PRAGMA table_info(${def.sqlTable})`).all() as Array<{ name: string }>).map((c) => c.name);
      expect(cols).toEqual(def.columns.map((c) => c.name));
    }
  });
});

describe('applying a page', () => {
  it('writes the rows and the new version together, and deletes on a tombstone', () => {
    const applier = createReferenceApplier(fx.db);
    expect(applier.state()).toMatchObject({ version: 0, epoch: null, lastSyncAt: null });
    applier.applyPage(page(0, [province('ZW-MS', 'Matabeleland South'), employer('E1', 'Demo farm'), vacancy('V1', 'E1', '9211')]), {
      reset: false,
      expectedVersion: 0,
      now: NOW,
    });
    expect(applier.state()).toMatchObject({ version: 3, epoch: EPOCH, headVersion: 3, lastSyncAt: NOW.toISOString() });
    expect(rows('SELECT * FROM ref_employers')).toEqual([
      {
        employer_id: 'E1', name: 'Demo farm', country: 'ZA', province: 'ZA-LP', town: 'Musina', sector: 'farm', demo: 1,
        // #17 columns, null when the central sends none.
        sa_registration_no: null, contact_name: null, contact_phone: null, contact_email: null, compliance_status: null,
      },
    ]);

    applier.applyPage(page(3, [remove('vacancies', 'V1'), province('ZW-MS', 'Mat. South')]), { reset: false, expectedVersion: 3, now: NOW });
    expect(rows('SELECT vacancy_id FROM ref_vacancies')).toEqual([]);
    expect(rows('SELECT name FROM ref_provinces')).toEqual([{ name: 'Mat. South' }]);
    expect(applier.state().version).toBe(5);
  });

  it('leaves the version and every row unchanged when a change fails mid-page', () => {
    createReferenceApplier(fx.db).applyPage(page(0, [province('ZW-MS', 'Matabeleland South'), employer('E1', 'Demo farm')]), {
      reset: false,
      expectedVersion: 0,
      now: NOW,
    });
    const before = { provinces: rows('SELECT * FROM ref_provinces'), employers: rows('SELECT * FROM ref_employers'), vacancies: rows('SELECT * FROM ref_vacancies') };
    const failing = createReferenceApplier(fx.db, {
      afterChange(i) {
        if (i === 2) throw new Error('power cut simulated after the third change');
      },
    });
    const next = page(2, [province('ZW-MS', 'renamed'), remove('employers', 'E1'), vacancy('V1', 'E1', '9211'), district('ZW-MS-GWANDA', 'ZW-MS', 'Gwanda')]);
    expect(() => failing.applyPage(next, { reset: false, expectedVersion: 2, now: NOW })).toThrow(/power cut/);
    expect(failing.state().version).toBe(2);
    expect({ provinces: rows('SELECT * FROM ref_provinces'), employers: rows('SELECT * FROM ref_employers'), vacancies: rows('SELECT * FROM ref_vacancies') }).toEqual(before);
    expect(rows('SELECT * FROM ref_districts')).toEqual([]);

    // The same page applies cleanly on the next attempt.
    createReferenceApplier(fx.db).applyPage(next, { reset: false, expectedVersion: 2, now: NOW });
    expect(rows('SELECT code FROM ref_districts')).toEqual([{ code: 'ZW-MS-GWANDA' }]);
    expect(rows('SELECT employer_id FROM ref_employers')).toEqual([]);
  });

  it('refuses a malformed page with REFERENCE_PAGE_INVALID before touching anything', () => {
    const applier = createReferenceApplier(fx.db);
    const bad = page(0, [province('ZW-MS', 'Matabeleland South'), { ...employer('E1', 'x'), row: { employer_id: 'E1', name: 'x', demo: 'yes' } }]);
    expect(() => applier.applyPage(bad, { reset: false, expectedVersion: 0, now: NOW })).toThrow(expect.objectContaining({ code: 'REFERENCE_PAGE_INVALID' }));
    const wrongKey = page(0, [{ ...province('ZW-MS', 'x'), key: 'ZW-MI' }]);
    expect(() => applier.applyPage(wrongKey, { reset: false, expectedVersion: 0, now: NOW })).toThrow(expect.objectContaining({ code: 'REFERENCE_PAGE_INVALID' }));
    const outOfOrder = page(0, [{ ...province('ZW-MS', 'x'), version: 5 }, { ...province('ZW-MI', 'y'), version: 4 }], { toVersion: 5 });
    expect(() => applier.applyPage(outOfOrder, { reset: false, expectedVersion: 0, now: NOW })).toThrow(expect.objectContaining({ code: 'REFERENCE_PAGE_INVALID' }));
    for (const junk of [null, 'text', { changes: 'x' }, { ...page(0, []), toVersion: -1 }]) {
      expect(() => applier.applyPage(junk, { reset: false, expectedVersion: 0, now: NOW })).toThrow(expect.objectContaining({ code: 'REFERENCE_PAGE_INVALID' }));
    }
    expect(rows('SELECT * FROM ref_provinces')).toEqual([]);
    expect(applier.state().version).toBe(0);
  });

  it('refuses a page for another version than the stored one (a second writer moved it)', () => {
    const applier = createReferenceApplier(fx.db);
    applier.applyPage(page(0, [province('ZW-MS', 'a')]), { reset: false, expectedVersion: 0, now: NOW });
    expect(() => applier.applyPage(page(0, [province('ZW-MI', 'b')]), { reset: false, expectedVersion: 0, now: NOW })).toThrow(
      expect.objectContaining({ code: 'REFERENCE_VERSION_MOVED' }),
    );
    expect(rows('SELECT code FROM ref_provinces')).toEqual([{ code: 'ZW-MS' }]);
  });

  it('empties the copy in the same transaction as the first page of a reset', () => {
    const applier = createReferenceApplier(fx.db);
    applier.applyPage(page(0, [province('ZW-MS', 'a'), employer('E1', 'old')]), { reset: false, expectedVersion: 0, now: NOW });
    applier.applyPage(page(0, [province('ZW-MI', 'Midlands')], { epoch: 'feed-2.bbbbbbbbbbbbbbbb' }), { reset: true, expectedVersion: 0, now: NOW });
    expect(rows('SELECT code FROM ref_provinces')).toEqual([{ code: 'ZW-MI' }]);
    expect(rows('SELECT * FROM ref_employers')).toEqual([]);
    expect(applier.state()).toMatchObject({ version: 1, epoch: 'feed-2.bbbbbbbbbbbbbbbb' });
  });

  it('skips tables this build does not know and keeps going', () => {
    const applier = createReferenceApplier(fx.db);
    const p = page(0, [province('ZW-MS', 'a'), { table: 'ports_of_entry' as 'provinces', op: 'upsert', key: 'BB', row: { code: 'BB' } }]);
    expect(applier.applyPage(p, { reset: false, expectedVersion: 0, now: NOW })).toEqual({ applied: 1, skipped: 1, version: 2 });
  });

  it('does not set last sync time for a page that is not the end of the feed', () => {
    const applier = createReferenceApplier(fx.db);
    applier.applyPage(page(0, [province('ZW-MS', 'a')], { complete: false, headVersion: 9 }), { reset: false, expectedVersion: 0, now: NOW });
    expect(applier.state()).toMatchObject({ version: 1, headVersion: 9, lastSyncAt: null, lastAppliedAt: NOW.toISOString() });
  });
});
