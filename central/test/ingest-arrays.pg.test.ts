/**
 * The set-based insert (ingest/ingest.ts: one unnest INSERT, payloads as array literal elements) on real PostgreSQL:
 * payloads come back exactly as sent whatever characters they hold, the accounting is the same as one INSERT per
 * record (first version wins, byte-identical = duplicate, differing = conflict), and held ids are not inserted again.
 */
import { describe, expect, it } from 'vitest';
import { contentHash } from '@lmc/protocol/batch.ts';
import { useCentralOnPg } from './central-on-pg.ts';
import { makeDevice, makeRecord, sendBatch } from './fixtures.ts';

const bbr = makeDevice('bbr-arrays', 'BBR');
const central = useCentralOnPg({ devices: [bbr.config], limits: { maxRecordsPerBatch: 500 } });

/** Text an array literal or a JSON text could get wrong. */
const AWKWARD = [
  'He said "hello" \\ then left',
  'C:\\temp\\new\\table',
  '{braces},[brackets],commas, and "NULL"',
  'NULL',
  '',
  'line one\nline two\r\n\ttabbed',
  'backslash-quote \\" and \\\\" pairs',
  'Shona: mhoro, Ndebele: sawubona, é ñ ü, emoji 😀, U+2028 \u2028 U+2029 \u2029',
  '\u0001\u001f control characters',
  '\u001e record separators \u001e\u001e (ingest joins the payload texts with U+001E)',
  '\\u0000 spelled out (not a NUL)',
];

describe('set-based insert', () => {
  it('stores every payload byte-for-byte as JSON, and the extracted columns with awkward text', async () => {
    const records = AWKWARD.map((text, i) =>
      makeRecord('BBR', { districtOfOrigin: text.slice(0, 120) || 'x', notes: text, nested: { list: [text, i, null, true, { k: text }] }, [`key ${text}`]: text }),
    );
    const { res, json } = await sendBatch(central.app, bbr, records);
    expect(res.statusCode, res.payload).toBe(200);
    expect(json().stored).toEqual(records.map((r) => r.id));
    const rows = await central.db.query<{ id: string; payload: unknown; content_hash: string; district_of_origin: string | null }>(
      'SELECT id::text AS id, payload, content_hash, district_of_origin FROM registrations WHERE id = ANY($1::uuid[])',
      [`{${records.map((r) => r.id).join(',')}}`],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const r of records) {
      const row = byId.get(r.id);
      expect(row?.payload).toEqual(r.payload);
      expect(contentHash(row?.payload)).toBe(contentHash(r.payload));
      expect(row?.content_hash).toBe(contentHash(r.payload));
    }
    // The extracted column went through the same array literal, quotes and backslashes included.
    expect(byId.get(records[0]!.id)?.district_of_origin).toBe(AWKWARD[0]);
    expect(byId.get(records[1]!.id)?.district_of_origin).toBe(AWKWARD[1]);
  });

  it('in one batch: new records stored, held ones duplicates or conflicts, a repeated id stored once', async () => {
    const kept = makeRecord('BBR', { occupationIsco: '9211' });
    const changed = makeRecord('BBR', { occupationIsco: '6111' });
    expect((await sendBatch(central.app, bbr, [kept, changed])).json().stored).toHaveLength(2);
    const fresh = makeRecord('BBR');
    const differing = { ...changed, payload: { ...changed.payload, occupationIsco: '7112' } };
    const { json } = await sendBatch(central.app, bbr, [kept, fresh, differing, fresh]);
    expect(json()).toMatchObject({
      stored: [fresh.id],
      duplicates: [kept.id, fresh.id],
      conflicts: [{ id: changed.id, reason: 'content_differs' }],
    });
    const [row] = await central.db.query<{ occupation_isco: string }>('SELECT occupation_isco FROM registrations WHERE id = $1', [changed.id]);
    expect(row?.occupation_isco).toBe('6111');
  });

  it('two deliveries of the same 200 records racing store each once; the other answer lists them as duplicates', async () => {
    const records = Array.from({ length: 200 }, () => makeRecord('BBR'));
    const [a, b] = await Promise.all([sendBatch(central.app, bbr, records), sendBatch(central.app, bbr, records)]);
    const stored = [...a!.json().stored, ...b!.json().stored].sort();
    const duplicates = [...a!.json().duplicates, ...b!.json().duplicates].sort();
    expect(stored).toEqual(records.map((r) => r.id).sort());
    expect(duplicates).toEqual(stored);
    const [n] = await central.db.query<{ n: number }>('SELECT count(*)::int AS n FROM registrations WHERE id = ANY($1::uuid[])', [
      `{${records.map((r) => r.id).join(',')}}`,
    ]);
    expect(n?.n).toBe(200);
  });
});
