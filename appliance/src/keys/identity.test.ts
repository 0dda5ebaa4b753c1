import { sign, verify, createPublicKey } from 'node:crypto';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApplianceError } from '@lmc/core/errors.ts';
import { DEVICE_FILE, KEYS_DIR, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, loadOrCreateIdentity } from './identity.ts';
import { useTempDir } from '@lmc/core/temp-dir-test-support.ts';

describe('appliance identity', () => {
  const tmp = useTempDir('keys-');

  it('creates an Ed25519 key pair and device id at first start, in files only the owner can read', () => {
    const id = loadOrCreateIdentity(tmp.dir);
    expect(id.created).toBe(true);
    expect(id.deviceId).toMatch(/^apl-[0-9a-f]{12}$/);
    expect(id.privateKey.asymmetricKeyType).toBe('ed25519');
    const dir = join(tmp.dir, KEYS_DIR);
    expect(readdirSync(dir).sort()).toEqual([DEVICE_FILE, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE].sort());
    for (const f of [DEVICE_FILE, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE]) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    // The public key the centre enrols verifies what the private key signs.
    const sig = sign(null, Buffer.from('batch'), id.privateKey);
    expect(verify(null, Buffer.from('batch'), createPublicKey(id.publicKeyPem), sig)).toBe(true);
  });

  it('loads the same identity afterwards instead of generating a new one', () => {
    const first = loadOrCreateIdentity(tmp.dir);
    const again = loadOrCreateIdentity(tmp.dir);
    expect(again.created).toBe(false);
    expect(again.deviceId).toBe(first.deviceId);
    expect(again.publicKeyPem).toBe(first.publicKeyPem);
  });

  it('refuses a damaged key file with IDENTITY_INVALID, without regenerating and without key text in the message', () => {
    loadOrCreateIdentity(tmp.dir);
    const secret = '-----BEGIN PRIVATE KEY-----\nTOPSECRETBUTBROKEN\n-----END PRIVATE KEY-----\n';
    writeFileSync(join(tmp.dir, KEYS_DIR, PRIVATE_KEY_FILE), secret);
    let err: unknown;
    try {
      loadOrCreateIdentity(tmp.dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApplianceError);
    expect((err as ApplianceError).code).toBe('IDENTITY_INVALID');
    expect(JSON.stringify({ m: (err as Error).message, c: (err as ApplianceError).context })).not.toContain('TOPSECRET');
  });

  it('never shows key material when the identity is logged or serialised by mistake', () => {
    const id = loadOrCreateIdentity(tmp.dir);
    const pkcs8 = id.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
    expect(JSON.stringify(id)).not.toContain(pkcs8.slice(-20));
  });
});
