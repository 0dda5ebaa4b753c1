import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson } from '@lmc/core/canonical-json.ts';
import { GENESIS_HASH, auditHash, type Store } from './index.ts';
import { openApplianceStore } from '../schema.ts';
import { passport, tempDir } from './test-support.ts';

describe('audit log hash chain', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;
  let path: string;

  beforeEach(() => {
    tmp = tempDir();
    store = openApplianceStore({ dataDir: tmp.dir });
    path = join(tmp.dir, 'appliance.db');
    // 6 rows: created, attached, finalized, then three device events.
    const r = store.registrations.create({ officeCode: 'BBR', officerId: 'o1' });
    store.registrations.attachDocument(r.id, passport(), 'o1');
    store.registrations.finalize(r.id, 'o1');
    store.audit.append({ actor: 'system', action: 'device.connected', entityType: 'device', entityId: 'mrz-1' });
    store.audit.append({ actor: 'system', action: 'device.error', entityType: 'device', details: { code: 'TIMEOUT', n: 2 } });
    store.audit.append({ actor: 'tech-1', action: 'store.opened', entityType: 'appliance' });
  });
  afterEach(() => {
    store.close();
    tmp.remove();
  });

  /** An attacker with the file: a separate raw connection, triggers dropped. */
  const tamper = (sql: string): void => {
    const db = new Database(path);
    db.exec('DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;');
    db.exec(sql);
    db.close();
  };

  it('verifies an untouched chain and links it from the genesis hash', () => {
    expect(store.audit.verify()).toEqual({ ok: true, rows: 6 });
    const db = new Database(path, { readonly: true });
    const rows = db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Array<{ seq: number; prev_hash: string; hash: string }>;
    db.close();
    expect(rows[0]?.prev_hash).toBe(GENESIS_HASH);
    for (const [i, r] of rows.slice(1).entries()) expect(r.prev_hash).toBe(rows[i]?.hash);
    for (const r of rows) expect(auditHash(r as never)).toBe(r.hash);
  });

  it('hashes details canonically, so key order does not matter', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[1,{"y":null,"z":1}]},"b":1}');
    const db = new Database(path, { readonly: true });
    const row = db.prepare('SELECT details_json FROM audit_log WHERE seq = 5').get() as { details_json: string };
    db.close();
    expect(row.details_json).toBe('{"code":"TIMEOUT","n":2}');
  });

  it('refuses UPDATE and DELETE of audit rows through the triggers', () => {
    const db = new Database(path);
    expect(() => db.prepare("UPDATE audit_log SET actor = 'x' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log WHERE seq = 1').run()).toThrow(/append-only/);
    db.close();
    expect(store.audit.verify().ok).toBe(true);
  });

  it('detects a row altered by a raw UPDATE after dropping the trigger', () => {
    tamper(`UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3`);
    expect(store.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 3, rows: 2 });
  });

  it('detects an altered row whose own hash the attacker recomputed, at the next link', () => {
    const db = new Database(path);
    db.exec('DROP TRIGGER audit_log_no_update');
    const row = db.prepare('SELECT * FROM audit_log WHERE seq = 2').get() as Record<string, unknown>;
    const forged = { ...row, details_json: '{"fromStatus":"draft"}' };
    db.prepare('UPDATE audit_log SET details_json = ?, hash = ? WHERE seq = 2').run(forged.details_json, auditHash(forged as never));
    db.close();
    expect(store.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it('detects a deleted row in the middle, and a deleted first row', () => {
    tamper('DELETE FROM audit_log WHERE seq = 4');
    expect(store.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 5, rows: 3 });
    tamper('DELETE FROM audit_log WHERE seq = 1');
    expect(store.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 2, rows: 0 });
  });

  it('detects rows cut from the tail, before and after further appends', () => {
    tamper('DELETE FROM audit_log WHERE seq >= 5');
    expect(store.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 5, rows: 4 });
    store.audit.append({ actor: 'system', action: 'device.connected', entityType: 'device' });
    expect(store.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 7, rows: 4 });
  });

  it('refuses unusable entries with STORE_INVALID_INPUT and appends nothing', () => {
    for (const e of [
      { actor: '', action: 'a', entityType: 't' },
      { actor: 'a', action: 'a', entityType: 't', details: { n: Number.NaN } },
      { actor: 'a', action: 'a', entityType: 't', details: [] as never },
    ]) {
      expect(() => store.audit.append(e)).toThrow(expect.objectContaining({ code: 'STORE_INVALID_INPUT' }));
    }
    expect(store.audit.verify()).toEqual({ ok: true, rows: 6 });
  });
});
