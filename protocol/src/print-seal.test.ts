/** Prints sealed to the central: the synchronous HPKE seal against @hpke/core, and the v2 blob's bindings. */
import { createSecretKey, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  hpkeOpen,
  hpkeSeal,
  hpkeSealSync,
  keyIdOf,
  newX25519PrivateKey,
  openPrintV2AtCentral,
  openPrintV2WithDataKey,
  type PrintContext,
  parsePrintV2,
  rawX25519Public,
  recipientFromBase64,
  sealPrintV2,
  V2_OVERHEAD,
} from './print-seal.ts';

const ctx = (over: Partial<PrintContext> = {}): PrintContext => ({ kind: 'fingerprint-template', registrationId: '6f1d2c3e-0000-4000-8000-000000000001', finger: 'right-index', ...over });
const central = () => {
  const privateKey = newX25519PrivateKey();
  const raw = rawX25519Public(privateKey);
  return { privateKey, recipient: { keyId: keyIdOf(raw), publicKey: raw } };
};
const dataKey = () => ({ keyId: randomBytes(8).toString('hex'), key: createSecretKey(randomBytes(32)) });

describe('HPKE (RFC 9180 Base, X25519 / HKDF-SHA256 / AES-256-GCM)', () => {
  it('the synchronous seal opens with @hpke/core, and only with the right key, info and aad', async () => {
    const c = central();
    const pt = randomBytes(300);
    const { enc, ct } = hpkeSealSync(c.recipient.publicKey, Buffer.from('info'), Buffer.from('aad'), pt);
    expect(enc).toHaveLength(32);
    expect(ct).toHaveLength(316);
    expect((await hpkeOpen(c.privateKey, enc, Buffer.from('info'), Buffer.from('aad'), ct)).equals(pt)).toBe(true);
    await expect(hpkeOpen(central().privateKey, enc, Buffer.from('info'), Buffer.from('aad'), ct)).rejects.toMatchObject({ reason: 'failed' });
    await expect(hpkeOpen(c.privateKey, enc, Buffer.from('other'), Buffer.from('aad'), ct)).rejects.toMatchObject({ reason: 'failed' });
    await expect(hpkeOpen(c.privateKey, enc, Buffer.from('info'), Buffer.from('aaD'), ct)).rejects.toMatchObject({ reason: 'failed' });
  });

  it('@hpke/core seals what it opens (the re-seal path)', async () => {
    const c = central();
    const { enc, ct } = await hpkeSeal(c.recipient.publicKey, Buffer.from('i'), Buffer.from('a'), Buffer.from('template'));
    expect((await hpkeOpen(c.privateKey, enc, Buffer.from('i'), Buffer.from('a'), ct)).toString()).toBe('template');
  });

  it('a base64 public key names its key id; anything else is refused', () => {
    const c = central();
    expect(recipientFromBase64(c.recipient.publicKey.toString('base64'))).toEqual(c.recipient);
    expect(() => recipientFromBase64('AAAA')).toThrow(TypeError);
  });
});

describe('blob format 2', () => {
  it('opens for the appliance (data key) and for the central (X25519), and for nobody else', async () => {
    const c = central();
    const dk = dataKey();
    const print = randomBytes(512);
    const blob = sealPrintV2(dk, c.recipient, print, ctx());
    expect(blob).toHaveLength(V2_OVERHEAD + 512);
    expect(parsePrintV2(blob)).toMatchObject({ dataKeyId: dk.keyId, centralKeyId: c.recipient.keyId });
    expect(blob.includes(print.subarray(0, 16))).toBe(false);
    expect(openPrintV2WithDataKey(dk.key, blob, ctx()).equals(print)).toBe(true);
    expect((await openPrintV2AtCentral(new Map([[c.recipient.keyId, c.privateKey]]), blob, ctx())).equals(print)).toBe(true);
    // Another central key under the same id, another data key: nothing opens.
    await expect(openPrintV2AtCentral(new Map([[c.recipient.keyId, central().privateKey]]), blob, ctx())).rejects.toMatchObject({ reason: 'failed' });
    await expect(openPrintV2AtCentral(new Map(), blob, ctx())).rejects.toMatchObject({ reason: 'unknown-key' });
    expect(() => openPrintV2WithDataKey(dataKey().key, blob, ctx())).toThrow(expect.objectContaining({ reason: 'failed' }));
  });

  it('is bound to its registration, finger and kind, and to every byte', async () => {
    const c = central();
    const ring = new Map([[c.recipient.keyId, c.privateKey]]);
    const dk = dataKey();
    const blob = sealPrintV2(dk, c.recipient, Buffer.from('template bytes'), ctx());
    for (const other of [ctx({ finger: 'left-index' }), ctx({ registrationId: '6f1d2c3e-0000-4000-8000-000000000002' }), ctx({ kind: 'fingerprint-image' })]) {
      await expect(openPrintV2AtCentral(ring, blob, other)).rejects.toMatchObject({ reason: 'failed' });
      expect(() => openPrintV2WithDataKey(dk.key, blob, other)).toThrow();
    }
    for (const at of [1, 20, 60, 100, 120, 160, 175, blob.length - 1]) {
      const flipped = Buffer.from(blob);
      flipped[at] = (flipped[at] ?? 0) ^ 0x01;
      await expect(openPrintV2AtCentral(ring, flipped, ctx())).rejects.toBeDefined();
      expect(() => openPrintV2WithDataKey(dk.key, flipped, ctx())).toThrow();
    }
    expect(() => parsePrintV2(Buffer.from([1, 2, 3]))).toThrow(expect.objectContaining({ reason: 'not-v2' }));
  });
});
