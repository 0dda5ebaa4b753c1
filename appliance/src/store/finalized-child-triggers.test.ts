import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { finalizedChildTriggers } from './finalized-child-triggers.ts';

describe('finalizedChildTriggers', () => {
  it('writes the text the shipped migrations applied (a changed byte would change sqlite_master)', () => {
    // SHA-256 of the triggers of migrations 'fingerprints', 'registration-details' and 'chip-reads' as first written out by hand.
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(sha256(finalizedChildTriggers('fingerprints'))).toBe('46707fb0d4d98374d1cdce3483948aa09718766518f541da9be1df9d86fa1e82');
    expect(sha256(finalizedChildTriggers('registration_details'))).toBe('918b1ed6e546cdb965a586df1552fe360fcf4f61179585a7264b2c8be15e8c49');
    expect(sha256(finalizedChildTriggers('chip_reads'))).toBe('52e0b2995448a62f3c1b66e751d4bc213876baf8ce4b8af0914520f82040a31b');
  });

  it('refuses new and changed rows of a finalized registration, allows them before, and allows deletes', () => {
    const db = new Database(':memory:');
    db.exec(`CREATE TABLE registrations (id TEXT PRIMARY KEY, status TEXT NOT NULL);
      CREATE TABLE notes (registration_id TEXT NOT NULL, body TEXT);
      ${finalizedChildTriggers('notes')}`);
    db.exec("INSERT INTO registrations VALUES ('r1', 'draft'); INSERT INTO notes VALUES ('r1', 'a');");
    db.exec("UPDATE registrations SET status = 'finalized'");
    expect(() => db.exec("INSERT INTO notes VALUES ('r1', 'b')")).toThrow('finalized registrations are immutable');
    expect(() => db.exec("UPDATE notes SET body = 'c'")).toThrow('finalized registrations are immutable');
    db.exec('DELETE FROM notes');
    expect(db.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 0 });
    db.close();
  });
});
