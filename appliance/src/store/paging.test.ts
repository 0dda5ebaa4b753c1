import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isApplianceError } from '@lmc/core/errors.ts';
import type { Registration, Store } from './index.ts';
import { openApplianceStore } from '../schema.ts';
import { passport, tempDir } from './test-support.ts';

describe('keyset paging of registrations', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;
  // A clock the test can set back, as an appliance without an RTC battery does after a power cut.
  let clock = Date.UTC(2025, 0, 6, 8);
  beforeEach(() => {
    tmp = tempDir();
    store = openApplianceStore({ dataDir: tmp.dir, now: () => new Date(clock++) });
  });
  afterEach(() => {
    store.close();
    tmp.remove();
  });

  const make = (n: number, officeCode = 'BBR'): string[] =>
    Array.from({ length: n }, () => store.registrations.create({ officeCode, officerId: 'o1' }).id);

  const all = (q: { status?: Registration['status']; officeCode?: string }, limit: number): string[] => {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = store.registrations.list({ limit, ...q, ...(cursor ? { cursor } : {}) });
      ids.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return ids;
  };

  it('returns newest first and a cursor that keeps later pages unchanged while new registrations arrive', () => {
    const first = make(25);
    const p1 = store.registrations.list({ limit: 10 });
    expect(p1.items.map((r) => r.id)).toEqual(first.slice(15).reverse());
    expect(p1.nextCursor).not.toBeNull();

    const newer = make(5);
    const p2 = store.registrations.list({ limit: 10, cursor: p1.nextCursor! });
    expect(p2.items.map((r) => r.id)).toEqual(first.slice(5, 15).reverse());
    const p3 = store.registrations.list({ limit: 10, cursor: p2.nextCursor! });
    expect(p3.items.map((r) => r.id)).toEqual(first.slice(0, 5).reverse());
    expect(p3.nextCursor).toBeNull();

    // A fresh walk sees everything exactly once, the new rows first.
    expect(all({}, 7)).toEqual([...first, ...newer].reverse());
  });

  it('orders by insertion even when the clock jumps backwards', () => {
    const before = make(3);
    clock -= 86_400_000;
    const after = make(2);
    expect(all({}, 2)).toEqual([...before, ...after].reverse());
  });

  it('filters by status and office, each page newest first', () => {
    const bbr = make(6, 'BBR');
    const plm = make(4, 'PLM');
    for (const id of [bbr[1]!, bbr[4]!, plm[0]!]) store.registrations.attachDocument(id, passport(), 'o1');
    store.registrations.finalize(bbr[4]!, 'o1');

    expect(all({ officeCode: 'PLM' }, 3)).toEqual([...plm].reverse());
    expect(all({ status: 'captured' }, 1)).toEqual([plm[0], bbr[1]]);
    expect(all({ status: 'finalized', officeCode: 'BBR' }, 5)).toEqual([bbr[4]]);
    expect(all({ status: 'draft', officeCode: 'BBR' }, 2)).toEqual([bbr[5], bbr[3], bbr[2], bbr[0]]);
  });

  it('returns an empty page with no cursor on an empty store, and exactly-full last pages end the walk', () => {
    expect(store.registrations.list({ limit: 5 })).toEqual({ items: [], nextCursor: null });
    make(4);
    const p1 = store.registrations.list({ limit: 2 });
    const p2 = store.registrations.list({ limit: 2, cursor: p1.nextCursor! });
    expect(p2.items).toHaveLength(2);
    expect(p2.nextCursor).toBeNull();
  });

  it('refuses a forged or garbled cursor with STORE_INVALID_CURSOR and a bad limit with STORE_INVALID_INPUT', () => {
    make(2);
    for (const cursor of ['', 'garbage', Buffer.from('r1:-3').toString('base64url'), Buffer.from('r1:1e3').toString('base64url')]) {
      let err: unknown;
      try {
        store.registrations.list({ limit: 5, cursor });
      } catch (e) {
        err = e;
      }
      expect(isApplianceError(err, 'STORE_INVALID_CURSOR')).toBe(true);
    }
    for (const limit of [0, -1, 1.5, 501]) {
      expect(() => store.registrations.list({ limit })).toThrow(expect.objectContaining({ code: 'STORE_INVALID_INPUT' }));
    }
  });
});
