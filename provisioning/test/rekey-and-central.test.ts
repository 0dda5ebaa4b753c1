/**
 * Against a real central (PGlite, listening): a re-key swaps keys only after the central accepted and
 * recovers from an interrupted one; `status`/`self-test` prove the device with a SIGNED request (an
 * unenrolled or revoked appliance is not green); `enrolment-code` for the central's administrators.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadOrCreateIdentity } from '@lmc/appliance/keys/identity.ts';
import { readConfigFile } from '../src/config/config-file.ts';
import { enrol, REKEY_PENDING_DIR, recoverRekey } from '../src/enrolment/enrol.ts';
import { checkCentralSigned } from '../src/self-test/system-checks.ts';
import { ADMIN_TOKEN, runCli, useTestCentral } from './support.ts';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

const { central, root, enrolNew } = useTestCentral('provision-rekey-');

const deviceIdIn = (dataDir: string) => (JSON.parse(readFileSync(join(dataDir, 'keys', 'device.json'), 'utf8')) as { deviceId: string }).deviceId;

describe('enrol --rekey', () => {
  it('keeps the old identity active while the central is asked (a refusal changes nothing)', async () => {
    const { dataDir, cfg, enrolled: first } = await enrolNew('a');
    // A central that looks at the appliance's active identity at the moment it is asked, then refuses.
    let activeDuringCall = '';
    const fake = createServer((req, res) => {
      activeDuringCall = deviceIdIn(dataDir);
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'UNAVAILABLE', message: 'down' }));
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    try {
      // A plain-HTTP stand-in: the development flag lets enrol talk to it.
      const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/`;
      await expect(enrol({ configPath: cfg, dataDir, writeDataDir: false, centralUrl: url, code: 'ABCD-EFGH-JKLM-NPQR', rekey: true, allowInsecureHttp: true })).rejects.toMatchObject({
        code: 'PROVISION_CENTRAL_REFUSED',
      });
    } finally {
      fake.close();
    }
    expect(activeDuringCall).toBe(first.deviceId);
    expect(deviceIdIn(dataDir)).toBe(first.deviceId);
    expect(existsSync(join(dataDir, 'keys', REKEY_PENDING_DIR))).toBe(false);
  });

  it('recovers from an interrupted re-key: an unaccepted pending key is dropped, then re-key works', async () => {
    const { dataDir, cfg, enrolled: first } = await enrolNew('b');
    // Killed after making the new key, before the central answered.
    loadOrCreateIdentity(join(dataDir, 'keys', REKEY_PENDING_DIR));
    const second = await enrol({ configPath: cfg, dataDir, writeDataDir: false, centralUrl: central.url, certSha256: central.certSha256, code: await central.issueCode('BBR'), rekey: true });
    expect(second.revokedDeviceId).toBe(first.deviceId);
    expect(deviceIdIn(dataDir)).toBe(second.deviceId);
    expect(existsSync(join(dataDir, 'keys', REKEY_PENDING_DIR))).toBe(false);
  });

  it("puts back the enrolled identity an older interrupted re-key set aside (keys/retired-*), so re-key is possible again", async () => {
    const { dataDir, cfg, enrolled: first } = await enrolNew('c');
    const keys = join(dataDir, 'keys');
    const retired = join(keys, 'retired-1');
    mkdirSync(retired);
    for (const f of ['device-ed25519.key', 'device-ed25519.pub', 'device.json']) renameSync(join(keys, f), join(retired, f));
    const unenrolled = loadOrCreateIdentity(dataDir);
    expect(unenrolled.deviceId).not.toBe(first.deviceId);
    expect(recoverRekey(dataDir)).toMatch(/put back identity/);
    expect(deviceIdIn(dataDir)).toBe(first.deviceId);
    const again = await enrol({ configPath: cfg, dataDir, writeDataDir: false, centralUrl: central.url, certSha256: central.certSha256, code: await central.issueCode('BBR'), rekey: true });
    expect(again.revokedDeviceId).toBe(first.deviceId);
  });
});

describe('signed check against the central', () => {
  it('passes for an enrolled device, fails once the central revoked it, and fails for a never-enrolled identity', async () => {
    const { dataDir, cfg, enrolled: r } = await enrolNew('d');
    const { config } = readConfigFile(cfg);
    expect((await checkCentralSigned(config, dataDir, 60)).link.ok).toBe(true);
    await central.db.query("UPDATE devices SET revoked_at = now(), revoked_reason = 'test' WHERE device_id = $1", [r.deviceId]);
    const revoked = await checkCentralSigned(config, dataDir, 60);
    expect(revoked.link.ok).toBe(false);
    expect(revoked.link.detail).toMatch(/does not accept this device/);

    const stranger = join(root, 'e');
    loadOrCreateIdentity(stranger);
    const unknown = await checkCentralSigned(config, stranger, 60);
    expect(unknown.link).toMatchObject({ ok: false });
    // The CLI's status exits 1 on it.
    const run = await runCli(['status', '--config', cfg, '--data-dir', stranger, '--json']);
    expect(run.code).toBe(1);
  });
});

describe('enrolment-code', () => {
  it("issues a code with the admin token that enrol then accepts; a wrong token is refused (exit 1)", async () => {
    const token = join(root, 'token');
    writeFileSync(token, `${ADMIN_TOKEN}\n`, { mode: 0o600 });
    const run = await runCli(['enrolment-code', '--central', central.url, '--office', 'bbr', '--token-file', token, '--cert-sha256', central.certSha256, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { code: string; officeCode: string; certSha256: string };
    expect(out.officeCode).toBe('BBR');
    // The fingerprint to hand over with the code is the central's.
    expect(out.certSha256).toBe(central.certSha256);
    const enrolled = await enrol({ configPath: join(root, 'f.json'), dataDir: join(root, 'f'), writeDataDir: true, centralUrl: central.url, certSha256: central.certSha256, code: out.code });
    expect(enrolled.office.code).toBe('BBR');
    writeFileSync(token, 'wrong-token-wrong-token-wrong-token-0000\n');
    const refused = await runCli(['enrolment-code', '--central', central.url, '--office', 'BBR', '--token-file', token, '--cert-sha256', central.certSha256]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/PROVISION_CENTRAL_REFUSED/);
  });
});
