import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { generateMrz } from '@lmc/firmware-bridge/mrz/index.ts';
import { TEST_OFFICER, signInFetch } from '@lmc/appliance/auth/test-support.ts';
import { type ApplianceProcess, spawnAppliance } from '../support/appliance-process.ts';
import { CONSENTED_DETAILS as DETAILS } from '../support/registration-fixtures.ts';


/** A first start (migrations, keys, argon2 PIN hash) takes seconds, more on a loaded 2-core CI box. */
const STARTUP_MS = 45_000;

/** The documented first-start seeding: the signed-in officer is the first supervisor. */
const SUPERVISOR_ENV = { APPLIANCE_SUPERVISOR_ID: TEST_OFFICER.officerId, APPLIANCE_SUPERVISOR_PIN: TEST_OFFICER.pin };

/**
 * kill -9 of the appliance process while officers finalize registrations: every registration the API
 * acknowledged as finalized must be there after restart, with its outbox row, and the database intact.
 *
 * This proves PROCESS-crash durability only: after a kill -9 the kernel still holds the process's writes in
 * its page cache and writes them out later, so this test passes with synchronous=OFF as well and says
 * nothing about "on disk". Power-loss durability (only fsynced data survives) is tests/power-loss/, which
 * runs the store on a filesystem that drops unsynced writes (docs/power-loss.md).
 */
describe('durability across kill -9 (process crash, not power loss)', () => {
  let proc: ApplianceProcess | undefined;
  afterEach(async () => {
    await proc?.kill('SIGKILL');
  });

  it('keeps every acknowledged finalization and passes integrity_check after a kill -9 mid-stream', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'crash-'));
    proc = await spawnAppliance({ dataDir, config: { devices: { mrz: { transport: 'none' }, fingerprint: { transport: 'none' } } }, env: SUPERVISOR_ENV, timeoutMs: STARTUP_MS });
    const cookie = await signInFetch(proc.url);
    const fetch = (url: string, init: RequestInit = {}) =>
      globalThis.fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), cookie } });
    const url = proc.url;
    const acknowledged: string[] = [];
    let stop = false;
    let killed = false;
    const errorsBeforeKill: string[] = [];

    const officer = async (worker: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const created = await fetch(`${url}/api/registrations`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ officerId: `officer-${worker}` }),
          });
          if (created.status !== 201) continue;
          const { id } = (await created.json()) as { id: string };
          const lines = generateMrz({
            format: 'TD3', documentCode: 'P', issuingState: 'ZWE', nationality: 'ZWE',
            documentNumber: `K${worker}${String(i).padStart(7, '0')}`, surname: 'MOYO', givenNames: 'TENDAI',
            sex: 'M', birthDate: '900101', expiryDate: '300101',
          });
          const attached = await fetch(`${url}/api/registrations/${id}/document`, {
            method: 'PUT',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ lines }),
          });
          if (attached.status !== 200) continue;
          const detailed = await fetch(`${url}/api/registrations/${id}/details`, {
            method: 'PUT',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(DETAILS),
          });
          if (detailed.status !== 200) continue;
          const fin = await fetch(`${url}/api/registrations/${id}/finalize`, { method: 'POST' });
          // Only a 200 with status finalized is the officer's "saved".
          if (fin.status === 200 && ((await fin.json()) as { status: string }).status === 'finalized') acknowledged.push(id);
        } catch (err) {
          // The process died under us: expected once the kill lands, a failure before it.
          if (!killed) errorsBeforeKill.push(String(err));
          return;
        }
      }
    };

    const workers = [officer(1), officer(2), officer(3)];
    // Let a stream build up, then kill the process without warning (the machine stays up).
    while (acknowledged.length < 40) await new Promise((r) => setTimeout(r, 20));
    // Still running, so that what follows is the kill's doing.
    expect(proc.child.exitCode).toBeNull();
    expect(proc.child.signalCode).toBeNull();
    const exited = once(proc.child, 'exit');
    killed = true;
    proc.child.kill('SIGKILL');
    stop = true;
    await Promise.all(workers);
    await exited;
    // The process died of the SIGKILL: no exit code of its own, no other signal.
    expect(proc.child.exitCode).toBeNull();
    expect(proc.child.signalCode).toBe('SIGKILL');
    expect(errorsBeforeKill).toEqual([]);

    // Straight to the file, as the appliance finds it when it restarts after the crash.
    const db = new Database(join(dataDir, 'appliance.db'));
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const finalized = new Set(
        (db.prepare(`SELECT id FROM registrations WHERE status = 'finalized'`).all() as { id: string }[]).map((r) => r.id),
      );
      const missing = acknowledged.filter((id) => !finalized.has(id));
      expect(missing).toEqual([]);
      const withoutOutbox = db
        .prepare(`SELECT r.id FROM registrations r LEFT JOIN outbox o ON o.registration_id = r.id WHERE r.status = 'finalized' AND o.registration_id IS NULL`)
        .all();
      expect(withoutOutbox).toEqual([]);
    } finally {
      db.close();
    }

    // And the appliance starts again on the same data and serves the records.
    proc = await spawnAppliance({ dataDir, config: { devices: { mrz: { transport: 'none' }, fingerprint: { transport: 'none' } } }, env: SUPERVISOR_ENV, timeoutMs: STARTUP_MS });
    const sample = acknowledged[acknowledged.length - 1];
    const res = await globalThis.fetch(`${proc.url}/api/registrations/${sample}`, { headers: { cookie: await signInFetch(proc.url) } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('finalized');
  }, 150_000);
});
