/** The central's OpenAPI document: served without a session, and every route the app answers is in it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type CentralApp } from '../src/app.ts';
import type { Db } from '../src/db/db.ts';
import { migrate } from '../src/db/migrations.ts';
import { createPgliteDb } from '../src/db/pglite-db.ts';
import { OPENAPI_PATH } from '../src/routes/openapi.ts';
import { TEST_AUTH } from './staff.ts';

let db: Db;
let app: CentralApp;
const routes: { method: string; url: string }[] = [];

beforeAll(async () => {
  db = await createPgliteDb();
  await migrate(db);
  app = build({ db, devices: [], auth: TEST_AUTH });
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method: method.toLowerCase(), url: r.url });
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await db?.close();
});

/** Fastify's `/a/:id` is OpenAPI's `/a/{id}`. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('GET /api/openapi.json', () => {
  it('is served to anyone as an OpenAPI 3 document', async () => {
    const res = await app.inject({ method: 'GET', url: OPENAPI_PATH });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ openapi: expect.stringMatching(/^3\./), info: { title: expect.any(String) } });
  });

  it('describes every route the central answers (but HEAD twins, the console files and itself)', async () => {
    const doc = (await app.inject({ method: 'GET', url: OPENAPI_PATH })).json() as { paths: Record<string, Record<string, unknown>> };
    const served = routes.filter((r) => r.method !== 'head' && r.url !== OPENAPI_PATH && !r.url.startsWith('/console'));
    expect(served.length).toBeGreaterThan(10);
    const missing = served.filter((r) => doc.paths[openApiPath(r.url)]?.[r.method] === undefined).map((r) => `${r.method} ${r.url}`);
    expect(missing).toEqual([]);
  });
});
