import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInInject } from '@lmc/appliance/auth/test-support.ts';
import type { RunningAppliance } from '@lmc/appliance/start.ts';
import { type FullAppliance, startFullAppliance } from '../support/full-appliance.ts';

/**
 * Property: no request an outsider or an officer can send makes the appliance answer 5xx. The routes, their
 * parameters and bodies come from the OpenAPI document the appliance serves, so a new route is fuzzed too.
 * Seeded (FUZZ_SEED to replay a failure); each failure is reported with the request that caused it.
 */
interface OpenApiParam {
  name: string;
  in: 'path' | 'query' | 'header';
  schema?: { type?: string };
}
interface OpenApiOperation {
  parameters?: OpenApiParam[];
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, { type?: string }> } }> };
}
type OpenApiDoc = { paths: Record<string, Record<string, OpenApiOperation>> };

const hostileString = fc.oneof(
  fc.constantFrom('', ' ', 'abc', '0', '-1', '1.5', '99999999999999999999999', '1e400', 'NaN', 'null', 'true', '%00', '%', '..', '../../etc/passwd', 'é', '\u0000', '=HYPERLINK("x")', 'a'.repeat(5000), '0b6f3f9e-4a0c-4d8e-9a53-6b3c7f1d2e10', 'right-thumb', 'BBR-017', "'; DROP TABLE registrations; --"),
  fc.string({ maxLength: 40 }),
  fc.integer().map(String),
);
const jsonValue = fc.oneof(fc.constant(null), fc.boolean(), fc.double(), fc.integer(), hostileString, fc.array(hostileString, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), hostileString, { maxKeys: 3 }));

function bodyFor(op: OpenApiOperation) {
  const props = Object.keys(op.requestBody?.content?.['application/json']?.schema?.properties ?? {});
  const shaped = fc.record(Object.fromEntries(props.map((p) => [p, jsonValue])), { requiredKeys: [] });
  return fc.oneof(
    fc.record({ type: fc.constant('application/json'), payload: fc.oneof(shaped.map((o) => JSON.stringify(o)), jsonValue.map((v) => JSON.stringify(v)), fc.constantFrom('{', '[]', '"x"', '{"__proto__":{"x":1}}', '')) }),
    fc.record({ type: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'image/png', 'image/jpeg', 'application/octet-stream', 'multipart/form-data; boundary=x'), payload: fc.oneof(hostileString, fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('latin1'))) }),
    fc.record({ type: fc.constant(undefined), payload: fc.constant(undefined) }),
  );
}

function requestFor(path: string, op: OpenApiOperation) {
  const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
  const names = [...new Set([...pathParams, ...[...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string)])];
  const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
  return fc.record({
    params: fc.record(Object.fromEntries(names.map((n) => [n, hostileString]))),
    query: fc.record(Object.fromEntries([...query, 'unknown'].map((n) => [n, hostileString])), { requiredKeys: [] }),
    body: bodyFor(op),
  });
}

describe('HTTP fuzz over the OpenAPI document: no 5xx for any input, signed in or not', () => {
  let full: FullAppliance;
  let appliance: RunningAppliance;
  let doc: OpenApiDoc;

  beforeAll(async () => {
    full = await startFullAppliance('http-fuzz-');
    appliance = full.appliance;
    doc = (await appliance.app.inject({ method: 'GET', url: '/docs/json' })).json() as OpenApiDoc;
  }, 60_000);

  afterAll(async () => {
    await full?.stop();
  });

  it('documents the sign-in and officer routes in /docs/json', () => {
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/auth/sign-in', '/api/officers', '/api/officers/{officerId}/unlock', '/api/registrations']));
  });

  it('answers the inputs that once gave 500 with a coded 4xx', async () => {
    const cookie = await signInInject(appliance.app);
    const cases = [
      { method: 'GET', url: '/api/registrations?cursor=abc' },
      { method: 'GET', url: `/api/registrations?cursor=${'A'.repeat(200)}` },
      { method: 'POST', url: '/api/sync/quarantine/99999999999999999999999/retry' },
      { method: 'POST', url: '/api/receipts/verify', headers: { 'content-type': 'text/plain' }, payload: 'ZLMC1.x' },
      { method: 'POST', url: '/api/receipts/verify' },
      { method: 'POST', url: '/api/receipts/verify', headers: { 'content-type': 'application/json' }, payload: 'null' },
    ] as const;
    for (const c of cases) {
      const res = await appliance.app.inject({ ...c, headers: { cookie, ...('headers' in c ? c.headers : {}) } } as never);
      expect(res.statusCode, `${c.method} ${c.url}`).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, `${c.method} ${c.url}: ${res.body}`).toBeLessThan(500);
      expect(res.json().code, `${c.method} ${c.url}`).toMatch(/^[A-Z_]+$/);
    }
  });

  it('answers every fuzzed request to every documented route below 500', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? 20261129);
    const failures: string[] = [];
    let requests = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!['get', 'post', 'put', 'delete', 'patch'].includes(method)) continue;
        // Simulator routes act on the simulated devices (unplug, paper out): fuzzing them would only test the fuzzer's luck.
        for (const signedIn of [false, true]) {
          const cookie = signedIn ? await signInInject(appliance.app) : undefined;
          const result = await fc.check(
            fc.asyncProperty(requestFor(path, op), async ({ params, query, body }) => {
              const url = path.replace(/\{([^}]+)\}/g, (_m, n: string) => encodeURIComponent(String(params[n] ?? 'x')));
              const res = await appliance.app.inject({
                method: method.toUpperCase() as 'GET',
                url,
                query: query as Record<string, string>,
                headers: { ...(cookie ? { cookie } : {}), ...(body.type ? { 'content-type': body.type } : {}) },
                ...(body.payload !== undefined && method !== 'get' ? { payload: body.payload } : {}),
              });
              requests++;
              if (res.statusCode >= 500) throw new Error(`${method.toUpperCase()} ${url} → ${res.statusCode} ${res.body.slice(0, 120)}`);
            }),
            { seed, numRuns: 25, endOnFailure: true },
          );
          if (result.failed) failures.push(`${signedIn ? 'signed in' : 'anonymous'}: ${(result.errorInstance as Error | undefined)?.message ?? 'failed'} (seed ${seed})`);
        }
      }
    }
    expect(requests).toBeGreaterThan(1000);
    expect(failures).toEqual([]);
  }, 240_000);
});
