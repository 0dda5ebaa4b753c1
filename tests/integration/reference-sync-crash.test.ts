/**
 * kill -9 in the middle of applying a reference page: the process dies inside the SQLite
 * transaction, after some of the page's rows were written. After restart the copy must hold the
 * old version with the old rows, and the same page must then apply cleanly.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@lmc/core/logger.ts';
import { createReferenceApplier } from '@lmc/appliance/reference/apply.ts';
import { employer, page, province, vacancy } from '@lmc/appliance/reference/test-support.ts';
import { openDatabase } from '@lmc/appliance/store/index.ts';
import { openApplianceStore } from '@lmc/appliance/schema.ts';
import { tempDir } from '@lmc/appliance/store/test-support.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const NOW = new Date('2026-11-23T08:00:00Z');

function bigPage(from: number) {
  const changes = [];
  for (let i = 0; i < 400; i++) changes.push(vacancy(`V${i}`, 'E1', '9211', { positions: 1000 + i }));
  return page(from, [province('ZW-MS', 'renamed in the lost page'), ...changes]);
}

/** Applies bigPage in a child process that SIGKILLs itself after the 200th change, inside the transaction. */
function applyAndDie(dataDir: string): Promise<NodeJS.Signals | null> {
  const script = `
    const { openDatabase } = await import(${JSON.stringify(join(ROOT, 'appliance/src/store/index.ts'))});
    const { createReferenceApplier } = await import(${JSON.stringify(join(ROOT, 'appliance/src/reference/apply.ts'))});
    const { createLogger } = await import(${JSON.stringify(join(ROOT, 'core/src/logger.ts'))});
    const page = JSON.parse(process.env.PAGE);
    const db = openDatabase(${JSON.stringify(join(dataDir, 'appliance.db'))}, ${JSON.stringify(dataDir)}, createLogger('crash'));
    const applier = createReferenceApplier(db, { afterChange(i) { if (i === 200) process.kill(process.pid, 'SIGKILL'); } });
    applier.applyPage(page, { reset: false, expectedVersion: 3, now: new Date() });
    console.log('applied without dying');
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { ...process.env, PAGE: JSON.stringify(bigPage(3)), LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => (signal ? resolve(signal) : reject(new Error(`child exited ${code}: ${err}`))));
  });
}

describe('reference apply across kill -9', () => {
  let tmp: ReturnType<typeof tempDir> | undefined;
  afterEach(() => tmp?.remove());

  it('keeps the old version and old rows when the process dies mid-page, then applies the page cleanly', async () => {
    tmp = tempDir('reference-crash-');
    const store = openApplianceStore({ dataDir: tmp.dir });
    const path = store.health().path;
    let db = openDatabase(path, tmp.dir, createLogger('test'));
    createReferenceApplier(db).applyPage(page(0, [province('ZW-MS', 'Matabeleland South'), employer('E1', 'Demo farm'), vacancy('V0', 'E1', '9211')]), {
      reset: false,
      expectedVersion: 0,
      now: NOW,
    });
    db.close();
    store.close();

    expect(await applyAndDie(tmp.dir)).toBe('SIGKILL');

    db = openDatabase(path, tmp.dir, createLogger('test'));
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const applier = createReferenceApplier(db);
      expect(applier.state().version).toBe(3);
      expect(db.prepare('SELECT name FROM ref_provinces').all()).toEqual([{ name: 'Matabeleland South' }]);
      expect(db.prepare('SELECT vacancy_id, positions FROM ref_vacancies').all()).toEqual([{ vacancy_id: 'V0', positions: 10 }]);

      applier.applyPage(bigPage(3), { reset: false, expectedVersion: 3, now: NOW });
      expect(applier.state().version).toBe(404);
      expect((db.prepare('SELECT count(*) AS n FROM ref_vacancies').get() as { n: number }).n).toBe(400);
    } finally {
      db.close();
    }
  });
});
