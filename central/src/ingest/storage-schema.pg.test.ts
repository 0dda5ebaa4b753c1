/**
 * Migration 80 on real PostgreSQL: a registration's payload over the TOAST threshold is stored lz4-compressed (the
 * cheaper compression the ingest goal needs) and comes back whole.
 */
import { describe, expect, it } from 'vitest';
import { makeDevice, makeRecord, sendBatch } from '../../test/fixtures.ts';
import { useCentralOnPg } from '../../test/central-on-pg.ts';

const bbr = makeDevice('bbr-lz4', 'BBR');
const central = useCentralOnPg({ devices: [bbr.config] });

describe('registrations payload storage', () => {
  it('compresses a large payload with lz4 and reads it back unchanged', async () => {
    const record = makeRecord('BBR', { notes: 'registration details '.repeat(300), list: Array.from({ length: 50 }, (_, i) => ({ i, text: `entry ${i}` })) });
    const { res } = await sendBatch(central.app, bbr, [record]);
    expect(res.statusCode, res.payload).toBe(200);
    const [row] = await central.db.query<{ method: string | null; payload: unknown }>(
      'SELECT pg_column_compression(payload) AS method, payload FROM registrations WHERE id = $1::uuid',
      [record.id],
    );
    expect(row?.method).toBe('lz4');
    expect(row?.payload).toEqual(record.payload);
  });
});
