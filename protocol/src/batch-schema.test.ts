import { generateKeyPairSync } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { type ApplianceStatus, encodeBatch } from './batch.ts';
import { BatchSchema } from './batch-schema.ts';

// Strict check (the central's Fastify Ajv would strip, not refuse, an unknown member): formats as the central checks them.
if (!FormatRegistry.Has('uuid')) FormatRegistry.Set('uuid', (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v));
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => !Number.isNaN(Date.parse(v)) && /T/.test(v));
const validate = (body: unknown): boolean => Value.Check(BatchSchema, body);
const { privateKey } = generateKeyPairSync('ed25519');
const record = {
  id: '0b7c2f9e-5d3a-4a51-9f35-6c1d2b8e7a10',
  officeCode: 'BBR',
  finalizedAt: '2026-11-29T10:00:00.000Z',
  payload: { sex: 'F' },
};
const status: ApplianceStatus = {
  auditChain: { length: 42, headHash: 'a'.repeat(64), prior: { length: 40, hash: 'b'.repeat(64) } },
  backlog: { pending: 3, oldestUnsentAt: '2026-11-29T09:00:00.000Z' },
  softwareVersion: '0.1.0',
  devices: { mrz: 'ready', fingerprint: 'offline' },
};

function bodyOf(options: { status?: ApplianceStatus }): unknown {
  const encoded = encodeBatch([record], { deviceId: 'dev-1', privateKey, ...options });
  return JSON.parse(gunzipSync(encoded.body).toString('utf8')) as unknown;
}

describe('BatchSchema status member', () => {
  it('accepts a batch with the appliance status and one without it', () => {
    const withStatus = bodyOf({ status });
    expect((withStatus as { status: unknown }).status).toEqual(status);
    expect(validate(withStatus), JSON.stringify([...Value.Errors(BatchSchema, withStatus)])).toBe(true);
    const without = bodyOf({});
    expect(without).not.toHaveProperty('status');
    expect(validate(without)).toBe(true);
  });

  it('accepts an empty chain (no prior, null oldest) and refuses a malformed status', () => {
    const empty: ApplianceStatus = { auditChain: { length: 0, headHash: '' }, backlog: { pending: 0, oldestUnsentAt: null }, softwareVersion: 'dev', devices: {} };
    expect(validate(bodyOf({ status: empty }))).toBe(true);
    const bad = bodyOf({ status }) as { status: { auditChain: { length: number } } };
    bad.status.auditChain.length = -1;
    expect(validate(bad)).toBe(false);
    const extra = bodyOf({ status }) as { status: Record<string, unknown> };
    extra.status.unexpected = true;
    expect(validate(extra)).toBe(false);
  });
});
