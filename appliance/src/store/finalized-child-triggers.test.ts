import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { finalizedChildTriggers } from './finalized-child-triggers.ts';

describe('finalizedChildTriggers', () => {
  it('writes the text the shipped migrations applied (a changed byte would change sqlite_master)', () => {
    expect(finalizedChildTriggers('t')).toBe(`CREATE TRIGGER t_insert_finalized
BEFORE INSERT ON t
WHEN (SELECT status FROM registrations WHERE id = NEW.registration_id) = 'finalized'
BEGIN
  SELECT RAISE(ABORT, 'finalized registrations are immutable');
END;

CREATE TRIGGER t_update_finalized
BEFORE UPDATE ON t
WHEN (SELECT status FROM registrations WHERE id = OLD.registration_id) = 'finalized'
BEGIN
  SELECT RAISE(ABORT, 'finalized registrations are immutable');
END;`);
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
