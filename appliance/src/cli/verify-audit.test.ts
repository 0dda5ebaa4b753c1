import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApplianceStore } from '../schema.ts';
import { passport, tempDir } from '../store/test-support.ts';

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../../..');
const cli = join(repoRoot, 'appliance/src/cli/verify-audit.ts');

async function verify(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['tsx', cli, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env, LOG_LEVEL: 'silent' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function seedStore(dataDir: string): void {
  const store = openApplianceStore({ dataDir });
  for (let i = 0; i < 3; i++) {
    const r = store.registrations.create({ officeCode: 'BBR', officerId: 'o1' });
    store.registrations.attachDocument(r.id, passport(`CLI${i}`), 'o1');
    store.registrations.finalize(r.id, 'o1');
  }
  store.close();
}

describe('npm run audit:verify', () => {
  let tmp: ReturnType<typeof tempDir>;
  let good: string;
  let tampered: string;
  let notAStore: string;
  beforeAll(() => {
    tmp = tempDir('verify-cli-');
    good = join(tmp.dir, 'good');
    tampered = join(tmp.dir, 'tampered');
    notAStore = join(tmp.dir, 'junk');
    seedStore(good);
    seedStore(tampered);
    const db = new Database(join(tampered, 'appliance.db'));
    db.exec("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'intruder' WHERE seq = 5");
    db.close();
    openApplianceStore({ dataDir: notAStore }).close();
    writeFileSync(join(notAStore, 'other.db'), 'this is not sqlite at all, not even close'.repeat(200));
  });
  afterAll(() => tmp.remove());

  it('exits 0 and prints the rows checked for an intact chain, also from APPLIANCE_DATA_DIR, while the appliance has it open', async () => {
    const live = openApplianceStore({ dataDir: good });
    const [byFlag, byEnv] = await Promise.all([verify(['--data-dir', good]), verify([], { APPLIANCE_DATA_DIR: good })]);
    live.close();
    expect(byFlag.code).toBe(0);
    expect(byFlag.stdout).toContain('audit log OK: 9 rows checked');
    expect(byEnv.code).toBe(0);
    expect(byEnv.stdout).toContain(join(good, 'appliance.db'));
  });

  it('exits 1 and names the first bad seq for a tampered chain', async () => {
    const [text, json] = await Promise.all([verify(['--data-dir', tampered]), verify(['--data-dir', tampered, '--json'])]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('audit log BROKEN at seq 5');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, rows: 4, firstBadSeq: 5 });
  });

  it('exits 2 when there is no database or the file is not one', async () => {
    const [missing, junk] = await Promise.all([
      verify(['--data-dir', join(tmp.dir, 'nowhere')]),
      verify(['--data-dir', notAStore, '--file', 'other.db']),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no database at');
    expect(junk.code).toBe(2);
    expect(junk.stderr).toContain('STORE_CORRUPT');
  });
});
