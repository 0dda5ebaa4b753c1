/** The central's encryption keys: created once (0600), rotated by renaming the current key to a retired one, and old prints still open. */
import { createSecretKey, randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPrintV2AtCentral, recipientFromBase64, sealPrintV2 } from '@lmc/protocol/print-seal.ts';
import { loadOrCreateEncryptionKeys } from '../enrolment/central-key.ts';

const dir = mkdtempSync(join(tmpdir(), 'central-x25519-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ctx = { kind: 'fingerprint-template' as const, registrationId: '6f1d2c3e-0000-4000-8000-000000000009', finger: 'left-thumb' };
const dataKey = { keyId: randomBytes(8).toString('hex'), key: createSecretKey(randomBytes(32)) };

describe('central encryption keys', () => {
  it('are created once with mode 0600 and loaded unchanged', () => {
    const path = join(dir, 'keys', 'central-x25519.key');
    const first = loadOrCreateEncryptionKeys(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadOrCreateEncryptionKeys(path).current.keyId).toBe(first.current.keyId);
    expect([...first.keyring.keys()]).toEqual([first.current.keyId]);
  });

  it('rotate: a retired key keeps opening the prints sealed to it; new prints go to the new key; a destroyed key opens nothing', async () => {
    const path = join(dir, 'keys', 'central-x25519.key');
    const old = loadOrCreateEncryptionKeys(path);
    const oldPrint = sealPrintV2(dataKey, recipientFromBase64(old.current.publicKeyBase64), Buffer.from('sealed before the rotation'), ctx);
    renameSync(path, join(dir, 'keys', `central-x25519.retired-${old.current.keyId}.key`));
    const rotated = loadOrCreateEncryptionKeys(path);
    expect(rotated.current.keyId).not.toBe(old.current.keyId);
    expect(new Set(rotated.keyring.keys())).toEqual(new Set([old.current.keyId, rotated.current.keyId]));
    expect((await openPrintV2AtCentral(rotated.keyring, oldPrint, ctx)).toString()).toBe('sealed before the rotation');
    const newPrint = sealPrintV2(dataKey, recipientFromBase64(rotated.current.publicKeyBase64), Buffer.from('after'), ctx);
    expect((await openPrintV2AtCentral(rotated.keyring, newPrint, ctx)).toString()).toBe('after');
    rmSync(join(dir, 'keys', `central-x25519.retired-${old.current.keyId}.key`));
    const shredded = loadOrCreateEncryptionKeys(path);
    await expect(openPrintV2AtCentral(shredded.keyring, oldPrint, ctx)).rejects.toMatchObject({ reason: 'unknown-key' });
  });

  it('refuses a damaged key file instead of replacing it', () => {
    const broken = join(dir, 'broken', 'central-x25519.key');
    loadOrCreateEncryptionKeys(broken);
    writeFileSync(broken, 'not a key');
    expect(() => loadOrCreateEncryptionKeys(broken)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
