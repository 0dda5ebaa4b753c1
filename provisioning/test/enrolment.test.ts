/** enrol() against a real central: refused codes leave nothing enrolled; --rekey revokes the old identity. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isApplianceError } from '@lmc/core/errors.ts';
import { updateConfigFile, setKey } from '../src/config/config-file.ts';
import { enrol } from '../src/enrolment/enrol.ts';
import { startCentral, type TestCentral } from './support.ts';

let central: TestCentral;
let root: string;
beforeAll(async () => {
  central = await startCentral();
  root = mkdtempSync(join(tmpdir(), 'provision-enrol-'));
});
afterAll(async () => {
  await central?.close();
  rmSync(root, { recursive: true, force: true });
});

async function refusal(p: Promise<unknown>): Promise<{ code: string; centralCode: unknown }> {
  try {
    await p;
  } catch (err) {
    if (isApplianceError(err)) return { code: err.code, centralCode: err.context.centralCode };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('enrolment from the appliance side', () => {
  it('refuses a wrong code and a used code, writing no config', async () => {
    const cfg = join(root, 'a.json');
    const dataDir = join(root, 'a');
    const wrong = await refusal(enrol({ configPath: cfg, dataDir, writeDataDir: true, centralUrl: central.url, code: 'AAAA-BBBB-CCCC-DDDD' }));
    expect(wrong).toEqual({ code: 'PROVISION_CENTRAL_REFUSED', centralCode: 'ENROLMENT_CODE_INVALID' });
    expect(existsSync(cfg)).toBe(false);
    const code = await central.issueCode('BBR');
    await enrol({ configPath: cfg, dataDir, writeDataDir: true, centralUrl: central.url, code });
    const used = await refusal(
      enrol({ configPath: join(root, 'b.json'), dataDir: join(root, 'b'), writeDataDir: true, centralUrl: central.url, code }),
    );
    expect(used).toEqual({ code: 'PROVISION_CENTRAL_REFUSED', centralCode: 'ENROLMENT_CODE_INVALID' });
    expect(existsSync(join(root, 'b.json'))).toBe(false);
  });

  it('re-enrols with a new key and device id, revoking the old one; a failed re-enrolment keeps the old identity', async () => {
    const cfg = join(root, 'c.json');
    const dataDir = join(root, 'c');
    const first = await enrol({ configPath: cfg, dataDir, writeDataDir: true, centralUrl: central.url, code: await central.issueCode('MSV') });
    const failed = await refusal(enrol({ configPath: cfg, dataDir, writeDataDir: false, centralUrl: central.url, code: 'ZZZZ-ZZZZ-ZZZZ-ZZZZ', rekey: true }));
    expect(failed.code).toBe('PROVISION_CENTRAL_REFUSED');
    expect(JSON.parse(readFileSync(join(dataDir, 'keys', 'device.json'), 'utf8')).deviceId).toBe(first.deviceId);
    const second = await enrol({ configPath: cfg, dataDir, writeDataDir: false, centralUrl: central.url, code: await central.issueCode('MSV'), rekey: true });
    expect(second.deviceId).not.toBe(first.deviceId);
    expect(second.revokedDeviceId).toBe(first.deviceId);
    const rows = await central.db.query('SELECT device_id, revoked_reason FROM devices WHERE device_id IN ($1, $2) ORDER BY enrolled_at', [first.deviceId, second.deviceId]);
    expect(rows).toEqual([
      { device_id: first.deviceId, revoked_reason: 're-enrolled' },
      { device_id: second.deviceId, revoked_reason: null },
    ]);
  });

  it('writes nothing when a config change is invalid, naming the key', () => {
    const cfg = join(root, 'd.json');
    writeFileSync(cfg, '{"version":1}\n');
    let message = '';
    try {
      updateConfigFile(cfg, (raw) => [setKey(raw, 'office.code', 'beit bridge')]);
    } catch (err) {
      expect(isApplianceError(err, 'CONFIG_INVALID')).toBe(true);
      message = (err as Error).message;
    }
    expect(message).toMatch(/office\.code/);
    expect(readFileSync(cfg, 'utf8')).toBe('{"version":1}\n');
  });
});
