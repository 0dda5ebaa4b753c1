import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { thrownCode } from '@lmc/core/error-test-support.ts';
import { FINALIZED_EVENT, type Store } from './index.ts';
import { openApplianceStore } from '../schema.ts';
import { passport, steppingClock, tempDir } from './test-support.ts';

const codeOf = thrownCode;

describe('registration lifecycle', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;
  beforeEach(() => {
    tmp = tempDir();
    store = openApplianceStore({ dataDir: tmp.dir, now: steppingClock() });
  });
  afterEach(() => {
    store.close();
    tmp.remove();
  });

  it('creates a draft with a fresh UUID, version 1, and an audit row', () => {
    const r = store.registrations.create({ officeCode: 'BBR', officerId: 'officer-7' });
    expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(r).toMatchObject({ status: 'draft', version: 1, document: null, finalizedAt: null, officeCode: 'BBR' });
    expect(store.registrations.get(r.id)).toEqual(r);
    expect(store.audit.forEntity('registration', r.id).map((a) => [a.actor, a.action])).toEqual([
      ['officer-7', 'registration.created'],
    ]);
  });

  it('keeps a caller-supplied UUID (the forwarding idempotency key) and refuses it twice with STORE_CONFLICT', () => {
    const id = '0d4c7f52-8a3b-4e61-9c2d-5b6a7e8f9012';
    expect(store.registrations.create({ officeCode: 'BBR', officerId: 'o1', id }).id).toBe(id);
    expect(codeOf(() => store.registrations.create({ officeCode: 'BBR', officerId: 'o1', id }))).toBe('STORE_CONFLICT');
  });

  it('walks draft -> captured -> finalized, storing the whole parsed document and its query columns', () => {
    const r = store.registrations.create({ officeCode: 'BBR', officerId: 'o1' });
    const captured = store.registrations.attachDocument(r.id, passport('FN0000001'), 'o1');
    expect(captured).toMatchObject({ status: 'captured', version: 2 });
    expect(captured.document).toEqual(passport('FN0000001'));
    const finalized = store.registrations.finalize(r.id, 'o1');
    expect(finalized).toMatchObject({ status: 'finalized', version: 3 });
    expect(finalized.finalizedAt).not.toBeNull();
    expect(finalized.finalizedAt! > r.createdAt).toBe(true);

    const db = new Database(join(tmp.dir, 'appliance.db'), { readonly: true });
    const row = db.prepare('SELECT * FROM registrations WHERE id = ?').get(r.id) as Record<string, unknown>;
    db.close();
    expect(row).toMatchObject({
      document_format: 'TD3',
      document_code: 'P',
      document_number: 'FN0000001',
      issuing_state: 'UTO',
      nationality: 'UTO',
      surname: 'ERIKSSON',
      given_names: 'ANNA MARIA',
      sex: 'female',
      birth_date: '740812',
      expiry_date: '120415',
      mrz_valid: 1,
    });
    expect(store.audit.forEntity('registration', r.id).map((a) => a.action)).toEqual([
      'registration.created',
      'registration.document_attached',
      'registration.finalized',
    ]);
  });

  it('allows re-attaching a document while captured (a re-scan) and bumps the version', () => {
    const r = store.registrations.create({ officeCode: 'BBR', officerId: 'o1' });
    store.registrations.attachDocument(r.id, passport('FN0000001', { valid: false }), 'o1');
    const again = store.registrations.attachDocument(r.id, passport('FN0000002'), 'o1');
    expect(again).toMatchObject({ status: 'captured', version: 3 });
    expect(again.document?.documentNumber).toBe('FN0000002');
  });

  it('writes the outbox row with the finalization and not before', () => {
    const r = store.registrations.create({ officeCode: 'BBR', officerId: 'o1' });
    store.registrations.attachDocument(r.id, passport(), 'o1');
    expect(store.outbox.depth()).toBe(0);
    const finalized = store.registrations.finalize(r.id, 'o1');
    expect(store.outbox.depth()).toBe(1);
    const [event] = store.outbox.pending(10);
    expect(event).toMatchObject({ registrationId: r.id, eventType: FINALIZED_EVENT, attempts: 0, lastError: null });
    // The record carries the stored registration, not the counter's working state the API adds (number, progress…).
    const { id, officeCode, officerId, status, createdAt, updatedAt, finalizedAt, version, document } = finalized;
    const stored = { id, officeCode, officerId, status, createdAt, updatedAt, finalizedAt, version, document };
    expect(event?.payload).toEqual({ type: FINALIZED_EVENT, payloadVersion: 1, registration: stored });
    expect(event?.createdAt).toBe(finalized.finalizedAt);
  });

  it('finalizing twice returns the same record and enqueues no second event or audit row', () => {
    const r = store.registrations.create({ officeCode: 'BBR', officerId: 'o1' });
    store.registrations.attachDocument(r.id, passport(), 'o1');
    const first = store.registrations.finalize(r.id, 'o1');
    const second = store.registrations.finalize(r.id, 'o2');
    expect(second).toEqual(first);
    expect(store.outbox.depth()).toBe(1);
    expect(store.audit.forEntity('registration', r.id).filter((a) => a.action === FINALIZED_EVENT)).toHaveLength(1);
  });

  it('refuses invalid transitions (DOCUMENT_REQUIRED, REGISTRATION_FINALIZED) and unknown ids with NOT_FOUND, changing nothing', () => {
    const draft = store.registrations.create({ officeCode: 'BBR', officerId: 'o1' });
    expect(codeOf(() => store.registrations.finalize(draft.id, 'o1'))).toBe('DOCUMENT_REQUIRED');
    expect(store.registrations.get(draft.id)).toEqual(draft);

    store.registrations.attachDocument(draft.id, passport(), 'o1');
    const fin = store.registrations.finalize(draft.id, 'o1');
    expect(codeOf(() => store.registrations.attachDocument(draft.id, passport('OTHER'), 'o1'))).toBe('REGISTRATION_FINALIZED');
    expect(store.registrations.get(draft.id)).toEqual(fin);

    const missing = '11111111-2222-4333-8444-555555555555';
    expect(codeOf(() => store.registrations.attachDocument(missing, passport(), 'o1'))).toBe('NOT_FOUND');
    expect(codeOf(() => store.registrations.finalize(missing, 'o1'))).toBe('NOT_FOUND');
    expect(store.registrations.get(missing)).toBeUndefined();
    expect(store.registrations.get('not-a-uuid')).toBeUndefined();
    expect(store.outbox.depth()).toBe(1);
  });

  it('refuses a stale expectedVersion with STORE_CONFLICT (optimistic concurrency)', () => {
    const r = store.registrations.create({ officeCode: 'BBR', officerId: 'o1' });
    store.registrations.attachDocument(r.id, passport(), 'o1', { expectedVersion: 1 });
    expect(codeOf(() => store.registrations.attachDocument(r.id, passport('X1'), 'o2', { expectedVersion: 1 }))).toBe(
      'STORE_CONFLICT',
    );
    expect(codeOf(() => store.registrations.finalize(r.id, 'o1', { expectedVersion: 1 }))).toBe('STORE_CONFLICT');
    expect(store.registrations.finalize(r.id, 'o1', { expectedVersion: 2 }).status).toBe('finalized');
  });

  it('refuses malformed input with STORE_INVALID_INPUT before touching the database', () => {
    const r = store.registrations.create({ officeCode: 'BBR', officerId: 'o1' });
    const bad: unknown[] = [
      null,
      'P<UTO',
      { ...passport(), valid: 'yes' },
      { ...passport(), lines: [] },
      { ...passport(), lines: ['X'.repeat(45)] },
      { ...passport(), surname: 42 },
      { ...passport(), big: 10n },
    ];
    for (const doc of bad) {
      expect(codeOf(() => store.registrations.attachDocument(r.id, doc as never, 'o1'))).toBe('STORE_INVALID_INPUT');
    }
    expect(codeOf(() => store.registrations.create({ officeCode: '', officerId: 'o1' }))).toBe('STORE_INVALID_INPUT');
    expect(codeOf(() => store.registrations.create({ officeCode: 'BBR', officerId: 'o 1' }))).toBe('STORE_INVALID_INPUT');
    expect(codeOf(() => store.registrations.create({ officeCode: 'BBR', officerId: 'o1', id: 'x' }))).toBe(
      'STORE_INVALID_INPUT',
    );
    expect(codeOf(() => store.registrations.attachDocument(r.id, passport(), ''))).toBe('STORE_INVALID_INPUT');
    expect(store.registrations.get(r.id)).toEqual(r);
  });

  it('finds every registration of one travel document, newest first, case-insensitively', () => {
    const ids: string[] = [];
    for (const num of ['AB123', 'ZZ999', 'AB123']) {
      const r = store.registrations.create({ officeCode: 'BBR', officerId: 'o1' });
      store.registrations.attachDocument(r.id, passport(num), 'o1');
      ids.push(r.id);
    }
    expect(store.registrations.findByDocument('uto', ' ab123 ').map((r) => r.id)).toEqual([ids[2], ids[0]]);
    expect(store.registrations.findByDocument('ZWE', 'AB123')).toEqual([]);
  });
});

describe('outbox draining', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;
  beforeEach(() => {
    tmp = tempDir();
    store = openApplianceStore({ dataDir: tmp.dir });
  });
  afterEach(() => {
    store.close();
    tmp.remove();
  });

  it('hands out events oldest first, counts failures, and drops them from pending once sent', () => {
    const ids = [0, 1, 2].map((i) => {
      const r = store.registrations.create({ officeCode: 'BBR', officerId: 'o1' });
      store.registrations.attachDocument(r.id, passport(`N${i}`), 'o1');
      return store.registrations.finalize(r.id, 'o1').id;
    });
    const events = store.outbox.pending(10);
    expect(events.map((e) => e.registrationId)).toEqual(ids);
    store.outbox.markFailed(events[0]!.seq, 'ECONNREFUSED');
    store.outbox.markFailed(events[0]!.seq, 'ETIMEDOUT');
    store.outbox.markSent(events[1]!.seq);
    store.outbox.markSent(events[1]!.seq);
    const left = store.outbox.pending(10);
    expect(left.map((e) => [e.registrationId, e.attempts, e.lastError])).toEqual([
      [ids[0], 2, 'ETIMEDOUT'],
      [ids[2], 0, null],
    ]);
    expect(store.outbox.depth()).toBe(2);
    expect(store.outbox.pending(1)).toHaveLength(1);
    expect(codeOf(() => store.outbox.markSent(9999))).toBe('NOT_FOUND');
    expect(codeOf(() => store.outbox.pending(0))).toBe('STORE_INVALID_INPUT');
  });
});
