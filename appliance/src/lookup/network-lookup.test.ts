import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { documentKey, keyedDocumentHash, type LookupAnswer, type LookupIndexPage, packIndexEntries } from '@lmc/protocol/lookup.ts';
import { openApplianceStore } from '../schema.ts';
import type { Store } from '../store/index.ts';
import { passport, tempDir } from '../store/test-support.ts';
import type { Fetched, LookupTransport } from './lookup-client.ts';
import { NetworkLookup } from './network-lookup.ts';

const key = randomBytes(32);
const doc = passport('FN7654321');
const prefix = keyedDocumentHash(key, documentKey(doc) as string).slice(0, 16);

function indexPage(): LookupIndexPage {
  const offices: string[] = [];
  const entries = packIndexEntries([{ hashes: [prefix], visits: [{ officeCode: 'HRE', day: '2026-10-02' }] }], offices);
  return { epoch: 'e', keyId: 'k', networkKey: key.toString('base64'), fromVersion: 0, toVersion: 1, complete: true, offices, entries: entries.toString('base64'), count: 1, serverTime: '' };
}

const answer: LookupAnswer = {
  found: true,
  personId: 'p-1',
  total: 1,
  registrations: [
    {
      registrationId: '11111111-1111-4111-8111-111111111111',
      officeCode: 'HRE',
      officeName: 'Harare Labour Migration Centre',
      finalizedAt: '2026-10-02T07:00:00.000Z',
      status: 'finalized',
      version: 1,
      occupationIsco: '7112',
      occupationTitle: 'Bricklayers',
      employerId: 'EMP-ELSEWHERE',
      employerName: 'Somewhere Ltd',
      vacancyId: null,
      vacancyTitle: null,
      destinationProvince: 'ZA-GP',
    },
  ],
  prefill: { education: 'primary', employerId: 'EMP-ELSEWHERE', nextOfKin: { name: 'Rudo Moyo', relationship: 'spouse' } },
  serverTime: '',
};

/** A central that answers the index at once and the lookup after `lookupMs` (never when Infinity). */
function transport(lookupMs: number): LookupTransport {
  return {
    lookup: () =>
      new Promise<Fetched<LookupAnswer>>((resolve) => {
        if (Number.isFinite(lookupMs)) setTimeout(() => resolve({ kind: 'ok', value: answer }), lookupMs);
      }),
    indexPage: async () => ({ kind: 'ok', value: indexPage() }),
    close: async () => {},
  };
}

let dir: ReturnType<typeof tempDir> | undefined;
let store: Store | undefined;
afterEach(() => {
  store?.close();
  dir?.remove();
});

async function setUp(lookupMs: number, budgetMs = 300) {
  dir = tempDir('network-lookup-');
  store = openApplianceStore({ dataDir: dir.dir });
  const lookup = new NetworkLookup({ store, officeCode: 'BBR', dataDir: dir.dir, transport: transport(lookupMs), budgetMs, pollMs: 60_000, backoff: { baseMs: 10, maxMs: 100 } });
  await lookup.pullIndex();
  const r = store.registrations.create({ officeCode: 'BBR', officerId: 'BBR-017' });
  store.registrations.attachDocument(r.id, doc, 'BBR-017');
  return { lookup, id: r.id };
}

describe('NetworkLookup', () => {
  it('answers from the central when it answers within the budget, with the prefill this post can save', async () => {
    const { lookup, id } = await setUp(20);
    const r = await lookup.lookup(id);
    expect(r).toMatchObject({ source: 'central', online: true, returning: true });
    expect(r.previous[0]).toMatchObject({ officeCode: 'HRE', occupationIsco: '7112', source: 'central' });
    // An employer this post's reference copy does not hold is left for the officer to choose.
    expect(r.prefill).toEqual({ education: 'primary', nextOfKin: { name: 'Rudo Moyo', relationship: 'spouse' } });
  });

  it('gives up on a central that does not answer at the budget and answers from the offline index', async () => {
    const { lookup, id } = await setUp(Number.POSITIVE_INFINITY, 300);
    const started = performance.now();
    const r = await lookup.lookup(id);
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(1000);
    expect(r).toMatchObject({ source: 'index', online: false, returning: true, prefill: null, offlineReason: 'response-timeout' });
    expect(r.previous).toEqual([expect.objectContaining({ officeCode: 'HRE', date: '2026-10-02', status: 'registered', source: 'index' })]);
  });

  it('finds nothing for another passport, online or not', async () => {
    const { lookup } = await setUp(Number.POSITIVE_INFINITY, 100);
    const other = store?.registrations.create({ officeCode: 'BBR', officerId: 'BBR-017' });
    if (!other || !store) throw new Error('no store');
    store.registrations.attachDocument(other.id, passport('XX0000001'), 'BBR-017');
    const r = await lookup.lookup(other.id);
    expect(r).toMatchObject({ source: 'local', returning: false, previous: [] });
  });
});
