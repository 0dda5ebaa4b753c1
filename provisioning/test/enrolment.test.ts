/** enrol() against a real central: refused codes leave nothing enrolled; --rekey revokes the old identity. */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isApplianceError } from '@lmc/core/errors.ts';
import { updateConfigFile, setKey } from '../src/config/config-file.ts';
import { enrol } from '../src/enrolment/enrol.ts';
import { loadCentralTrust } from '@lmc/appliance/keys/central-trust.ts';
import { certificateFingerprint, generateSelfSignedPair } from '@lmc/central/tls/tls.ts';
import { HEADER_CENTRAL_SIGNATURE, signAnswer } from '@lmc/protocol/batch-envelope.ts';
import { useTestCentral } from './support.ts';

const { central, root, enrolNew } = useTestCentral('provision-enrol-');

async function refusal(p: Promise<unknown>): Promise<{ code: string; centralCode: unknown; fingerprint?: unknown }> {
  try {
    await p;
  } catch (err) {
    if (isApplianceError(err)) return { code: err.code, centralCode: err.context.centralCode, ...(err.context.fingerprint ? { fingerprint: err.context.fingerprint } : {}) };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('enrol trusts only the central the technician was told of (issue #13)', () => {
  it('refuses plain http:// before making any key, unless the development flag is given', async () => {
    const dataDir = join(root, 'http');
    const r = await refusal(enrol({ configPath: join(root, 'http.json'), dataDir, writeDataDir: true, centralUrl: central.url.replace('https:', 'http:'), code: 'AAAA-BBBB-CCCC-DDDD' }));
    expect(r.code).toBe('PROVISION_CENTRAL_INSECURE');
    expect(existsSync(dataDir)).toBe(false);
  });

  it("refuses a self-signed central without a pin, giving its fingerprint; the code stays unspent and works with that pin", async () => {
    const code = await central.issueCode('BBR');
    const cfg = join(root, 'tofu.json');
    const dataDir = join(root, 'tofu');
    const unpinned = await refusal(enrol({ configPath: cfg, dataDir, writeDataDir: true, centralUrl: central.url, code }));
    expect(unpinned).toMatchObject({ code: 'PROVISION_CENTRAL_UNTRUSTED', fingerprint: central.certSha256 });
    const other = (await generateSelfSignedPair()).cert;
    const wrong = await refusal(enrol({ configPath: cfg, dataDir, writeDataDir: true, centralUrl: central.url, code, certSha256: certificateFingerprint(other) }));
    expect(wrong).toMatchObject({ code: 'PROVISION_CENTRAL_UNTRUSTED', fingerprint: central.certSha256 });
    expect(existsSync(cfg)).toBe(false);
    // The same code, now with the fingerprint (plain lower-case hex is accepted too).
    const ok = await enrol({ configPath: cfg, dataDir, writeDataDir: true, centralUrl: central.url, code, certSha256: central.certSha256.replace(/:/g, '').toLowerCase() });
    expect(ok.pinnedCertificate).toBe(central.certSha256);
    expect(ok.centralEncryptionKeyId).toBe(central.encryptionKeyId);
    // Saved where the appliance reads it: the certificate, the signing key and the encryption key.
    const trust = loadCentralTrust(dataDir);
    expect(trust.tlsPem && certificateFingerprint(trust.tlsPem)).toBe(central.certSha256);
    expect(trust.publicKey?.asymmetricKeyType).toBe('ed25519');
    expect(trust.encryption?.keyId).toBe(central.encryptionKeyId);
    // The appliance's own X25519 key was published with the proof of possession.
    const [row] = await central.db.query<{ encryption_public_key: string | null }>('SELECT encryption_public_key FROM devices WHERE device_id = $1', [ok.deviceId]);
    expect(row?.encryption_public_key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it('pins a CA file the technician was given', async () => {
    const caFile = join(root, 'central-ca.pem');
    writeFileSync(caFile, central.certPem);
    const dataDir = join(root, 'cafile');
    const r = await enrol({ configPath: join(root, 'cafile.json'), dataDir, writeDataDir: true, centralUrl: central.url, code: await central.issueCode('BBR'), caFile });
    expect(r.pinnedCertificate).toBe(central.certSha256);
    expect(readFileSync(join(dataDir, 'keys', 'central-tls.pem'), 'utf8')).toContain('BEGIN CERTIFICATE');
  });

  it('saves nothing from an answer the central did not sign for this request (a forger with the pinned certificate\'s stand-in)', async () => {
    const pair = await generateSelfSignedPair();
    const forgerKey = generateKeyPairSync('ed25519');
    const forgerPem = forgerKey.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    let mode: 'unsigned' | 'other-request' | 'own-key' = 'unsigned';
    const server = createServer({ cert: pair.cert, key: pair.key }, (req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => {
        text += c.toString();
      });
      req.on('end', () => {
        const body = JSON.parse(text) as { deviceId: string; signature: string };
        const answer = JSON.stringify({ deviceId: body.deviceId, office: { code: 'BBR', name: 'Beitbridge' }, centralPublicKeyPem: forgerPem, enrolledAt: new Date().toISOString(), revokedDeviceId: null });
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        // Signed, but bound to another request: a replayed answer.
        if (mode === 'other-request') headers[HEADER_CENTRAL_SIGNATURE] = signAnswer({ purpose: 'enrolment', deviceId: body.deviceId, requestTag: 'another', batchId: '', contentSha256: '' }, 201, answer, forgerKey.privateKey);
        // Bound to this very request, signed with the key the forger hands over: only the key pinned before can tell.
        if (mode === 'own-key') {
          headers[HEADER_CENTRAL_SIGNATURE] = signAnswer({ purpose: 'enrolment', deviceId: body.deviceId, requestTag: body.signature, batchId: '', contentSha256: '' }, 201, answer, forgerKey.privateKey);
        }
        res.writeHead(201, headers);
        res.end(answer);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      for (const m of ['unsigned', 'other-request'] as const) {
        mode = m;
        const dataDir = join(root, `forged-${m}`);
        const r = await refusal(enrol({ configPath: join(root, `forged-${m}.json`), dataDir, writeDataDir: true, centralUrl: url, code: 'ABCD-EFGH-JKLM-NPQR', certSha256: certificateFingerprint(pair.cert) }));
        expect(r.code).toBe('PROVISION_CENTRAL_ANSWER_UNSIGNED');
        expect(existsSync(join(dataDir, 'keys', 'central-ed25519.pub'))).toBe(false);
        expect(existsSync(join(dataDir, 'keys', 'enrolment.json'))).toBe(false);
        expect(existsSync(join(root, `forged-${m}.json`))).toBe(false);
      }
      // A re-key answer is checked with the central key pinned at the first enrolment: a stand-in the technician was
      // talked into pinning (its fingerprint given) cannot plant its own key, however well it signs.
      const { dataDir, cfg, enrolled: first } = await enrolNew('forged-rekey');
      const pinnedKey = readFileSync(join(dataDir, 'keys', 'central-ed25519.pub'), 'utf8');
      mode = 'own-key';
      const r = await refusal(enrol({ configPath: cfg, dataDir, writeDataDir: false, centralUrl: url, code: 'ABCD-EFGH-JKLM-NPQR', certSha256: certificateFingerprint(pair.cert), rekey: true }));
      expect(r.code).toBe('PROVISION_CENTRAL_ANSWER_UNSIGNED');
      expect(JSON.parse(readFileSync(join(dataDir, 'keys', 'device.json'), 'utf8')).deviceId).toBe(first.deviceId);
      expect(readFileSync(join(dataDir, 'keys', 'central-ed25519.pub'), 'utf8')).toBe(pinnedKey);
      expect(certificateFingerprint(readFileSync(join(dataDir, 'keys', 'central-tls.pem'), 'utf8'))).toBe(central.certSha256);
    } finally {
      server.close();
    }
  });
});

describe('enrolment from the appliance side', () => {
  it('refuses a wrong code and a used code, writing no config', async () => {
    const cfg = join(root, 'a.json');
    const dataDir = join(root, 'a');
    const wrong = await refusal(enrol({ configPath: cfg, dataDir, writeDataDir: true, centralUrl: central.url, certSha256: central.certSha256, code: 'AAAA-BBBB-CCCC-DDDD' }));
    expect(wrong).toEqual({ code: 'PROVISION_CENTRAL_REFUSED', centralCode: 'ENROLMENT_CODE_INVALID' });
    expect(existsSync(cfg)).toBe(false);
    const code = await central.issueCode('BBR');
    await enrol({ configPath: cfg, dataDir, writeDataDir: true, centralUrl: central.url, certSha256: central.certSha256, code });
    const used = await refusal(
      enrol({ configPath: join(root, 'b.json'), dataDir: join(root, 'b'), writeDataDir: true, centralUrl: central.url, certSha256: central.certSha256, code }),
    );
    expect(used).toEqual({ code: 'PROVISION_CENTRAL_REFUSED', centralCode: 'ENROLMENT_CODE_INVALID' });
    expect(existsSync(join(root, 'b.json'))).toBe(false);
  });

  it('re-enrols with a new key and device id, revoking the old one; a failed re-enrolment keeps the old identity', async () => {
    const { dataDir, cfg, enrolled: first } = await enrolNew('c', 'MSV');
    const failed = await refusal(enrol({ configPath: cfg, dataDir, writeDataDir: false, centralUrl: central.url, certSha256: central.certSha256, code: 'ZZZZ-ZZZZ-ZZZZ-ZZZZ', rekey: true }));
    expect(failed.code).toBe('PROVISION_CENTRAL_REFUSED');
    expect(JSON.parse(readFileSync(join(dataDir, 'keys', 'device.json'), 'utf8')).deviceId).toBe(first.deviceId);
    const second = await enrol({ configPath: cfg, dataDir, writeDataDir: false, centralUrl: central.url, certSha256: central.certSha256, code: await central.issueCode('MSV'), rekey: true });
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
