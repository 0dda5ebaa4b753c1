/**
 * The passport chip's outcome as a statistics dimension (`chipOutcome`, central/src/stats/chip-outcome.ts), on a
 * real PostgreSQL cluster with registrations ingested through the batch route: every summary the appliance can
 * send maps to one value, odd payloads count as unknown, and the published table is suppressed like any other.
 */
import { describe, expect, it } from 'vitest';
import type { FinalizedChip } from '@lmc/protocol/finalized-record.ts';
import type { BatchRecordInput } from '@lmc/protocol/batch.ts';
import { CHIP_OUTCOME_SQL } from '../src/stats/chip-outcome.ts';
import { useCentralOnPg } from './central-on-pg.ts';
import { makeDevice, makeRecord, sendBatch } from './fixtures.ts';
import { addStaff, signIn, TEST_AUTH } from './staff.ts';

const bbr = makeDevice('bbr-chip-stats', 'BBR');
const central = useCentralOnPg({ devices: [bbr.config], auth: TEST_AUTH }, (db) => addStaff(db, 'chip-statistician', 'statistician'));

const read = (over: Partial<FinalizedChip> = {}): FinalizedChip => ({
  status: 'read', code: null, accessControl: 'bac', paOutcome: 'genuine', dg1Match: true,
  face: { sha256: 'a'.repeat(64), mime: 'image/jpeg', bytes: 15_000 }, readAt: '2025-03-10T09:29:00+02:00', ...over,
});
const notRead = (status: 'not-present' | 'failed', code: string): FinalizedChip => ({ status, code, accessControl: null, paOutcome: null, dg1Match: null, face: null, readAt: '2025-03-10T09:29:00+02:00' });

const record = (chip: unknown, finalizedAt = '2025-03-10T09:30:00+02:00'): BatchRecordInput => {
  const r = makeRecord('BBR', {}, finalizedAt);
  if (chip !== undefined) (r.payload as Record<string, unknown>).chip = chip;
  return r;
};

describe('chipOutcome (computed from the payload at query time)', () => {
  it('gives one value per chip summary, the most serious first; no or odd summary is unknown', async () => {
    const cases: Array<[unknown, string | null]> = [
      [read(), 'genuine'],
      [read({ paOutcome: 'unknown-issuer', code: 'CHIP_PA_UNKNOWN_ISSUER' }), 'unknown-issuer'],
      [read({ paOutcome: 'signer-expired' }), 'signer-expired'],
      [read({ paOutcome: 'no-csca' }), 'no-csca'],
      [read({ paOutcome: 'data-altered', code: 'CHIP_PA_DATA_ALTERED' }), 'data-altered'],
      [read({ paOutcome: 'data-altered', dg1Match: false }), 'data-altered'],
      [read({ dg1Match: false }), 'dg1-mismatch'],
      [read({ paOutcome: 'no-csca', dg1Match: false }), 'dg1-mismatch'],
      [notRead('not-present', 'CHIP_NOT_PRESENT'), 'not-present'],
      [notRead('failed', 'CHIP_REMOVED'), 'failed'],
      [undefined, null],
      ['read', null],
      [{ status: 'read', paOutcome: 'forged-but-fine', dg1Match: true }, null],
      [{ status: 'exploded' }, null],
    ];
    const records = cases.map(([chip]) => record(chip));
    const res = await sendBatch(central.app, bbr, records);
    expect(res.res.statusCode, res.res.payload).toBe(200);
    const rows = await central.db.query<{ id: string; v: string | null }>(`SELECT id::text, ${CHIP_OUTCOME_SQL} AS v FROM registrations WHERE id = ANY(string_to_array($1, ',')::uuid[])`, [
      records.map((r) => r.id).join(','),
    ]);
    expect(rows).toHaveLength(cases.length);
    const got = Object.fromEntries(rows.map((r) => [r.id, r.v]));
    expect(records.map((r) => got[r.id])).toEqual(cases.map(([, want]) => want));
  });

  it('is published by the statistics API with small-cell suppression, alone and by office', async () => {
    const year = 2026;
    // 41 in 2026: 30 genuine, 6 not-present, 2 unknown-issuer, 1 data-altered, 2 without a chip read.
    const chips: unknown[] = [
      ...Array.from({ length: 30 }, () => read()),
      ...Array.from({ length: 6 }, () => notRead('not-present', 'CHIP_NOT_PRESENT')),
      read({ paOutcome: 'unknown-issuer' }),
      read({ paOutcome: 'unknown-issuer' }),
      read({ paOutcome: 'data-altered' }),
      undefined,
      undefined,
    ];
    expect((await sendBatch(central.app, bbr, chips.map((c, i) => record(c, `${year}-0${1 + (i % 3)}-10T09:00:00+02:00`)))).json().stored).toHaveLength(41);
    const statistician = await signIn(central.app, 'chip-statistician');
    const stats = async (groupBy: string) => {
      const res = await central.app.inject({ url: `/api/v1/stats/registrations?groupBy=${groupBy}&year=${year}`, headers: { cookie: statistician } });
      expect(res.statusCode, res.payload).toBe(200);
      return (res.json() as { rows: Array<Record<string, unknown> & { count: number | null; suppressed: boolean }> }).rows;
    };
    const by = Object.fromEntries((await stats('chipOutcome')).map((r) => [String(r.chipOutcome), r]));
    expect(by.genuine).toMatchObject({ count: 30, suppressed: false });
    expect(by['not-present']).toMatchObject({ count: 6, suppressed: false });
    for (const small of ['unknown-issuer', 'data-altered', 'null']) expect(by[small]).toMatchObject({ count: null, suppressed: true });
    const total = Object.values(by).reduce((n, r) => n + (r.count ?? 0), 0);
    expect(total).toBeLessThan(41); // nothing gives the hidden cells away by subtraction from a published total
    const byOffice = await stats('office,chipOutcome');
    expect(byOffice.find((r) => r.office === 'BBR' && r.chipOutcome === 'genuine')).toMatchObject({ count: 30 });
    expect(byOffice.filter((r) => r.chipOutcome === 'data-altered').every((r) => r.suppressed && r.count === null)).toBe(true);
  });

  it('refuses an unknown dimension (the whitelist, not payload text, decides the SQL)', async () => {
    const statistician = await signIn(central.app, 'chip-statistician');
    const res = await central.app.inject({ url: '/api/v1/stats/registrations?groupBy=chipOutcomes', headers: { cookie: statistician } });
    expect(res.statusCode).toBe(400);
  });
});
