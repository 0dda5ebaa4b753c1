/** The browser JSON client (json-client.ts) against a real HTTP server: answers, refusals, lost sessions, no answer. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, jsonClient } from './json-client.ts';

let server: Server;
let base: string;
const seen: { method: string; url: string; headers: Record<string, unknown>; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const json = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (req.url === '/echo') return json(200, { got: JSON.parse(body || 'null') });
      if (req.url === '/empty') return res.writeHead(204).end();
      if (req.url === '/refused') return json(409, { statusCode: 409, code: 'DRAFT_FINALIZED', message: 'already finalized', field: 'x' });
      if (req.url === '/html') return res.writeHead(502, 'Bad Gateway', { 'content-type': 'text/html' }).end('<h1>proxy</h1>');
      return json(401, { statusCode: 401, code: 'AUTH_REQUIRED', message: 'sign in' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const refusal = (p: Promise<unknown>) => p.then(
  () => {
    throw new Error('expected a refusal');
  },
  (err: unknown) => {
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    return { status: e.status, code: e.code, message: e.message, body: e.body };
  },
);

describe('jsonClient', () => {
  const lost: string[] = [];
  const client = jsonClient({ unreachable: 'nobody home', isSessionRoute: (path) => path.endsWith('/session') });
  client.whenSessionLost(() => lost.push('lost'));

  it('sends JSON with its content type and extra headers, and returns the JSON answer', async () => {
    await expect(client.request('POST', `${base}/echo`, { a: [1, 'two'] }, { headers: { 'x-background': '1' } })).resolves.toEqual({ got: { a: [1, 'two'] } });
    const last = seen.at(-1);
    expect(last).toMatchObject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json', 'x-background': '1' } });
  });

  it('sends no body and no content type without a body; 204 is undefined', async () => {
    await expect(client.request('DELETE', `${base}/empty`)).resolves.toBeUndefined();
    expect(seen.at(-1)).toMatchObject({ method: 'DELETE', body: '' });
    expect(seen.at(-1)?.headers['content-type']).toBeUndefined();
  });

  it('turns a refusal into an ApiError with the code, message and whole body', async () => {
    await expect(refusal(client.request('GET', `${base}/refused`))).resolves.toEqual({
      status: 409,
      code: 'DRAFT_FINALIZED',
      message: 'already finalized',
      body: { statusCode: 409, code: 'DRAFT_FINALIZED', message: 'already finalized', field: 'x' },
    });
  });

  it('names a refusal without a JSON body by its status', async () => {
    await expect(refusal(client.request('GET', `${base}/html`))).resolves.toMatchObject({ status: 502, code: 'HTTP_502', message: 'Bad Gateway', body: {} });
  });

  it('reports a lost session on AUTH_REQUIRED, except from the session route itself', async () => {
    lost.length = 0;
    await expect(refusal(client.request('GET', `${base}/api/auth/session`))).resolves.toMatchObject({ status: 401, code: 'AUTH_REQUIRED' });
    expect(lost).toEqual([]);
    await expect(refusal(client.request('GET', `${base}/api/queue`))).resolves.toMatchObject({ status: 401, code: 'AUTH_REQUIRED' });
    expect(lost).toEqual(['lost']);
    client.sessionLost();
    expect(lost).toEqual(['lost', 'lost']);
  });

  it('is a NETWORK error with the configured message when nothing answers', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(refusal(client.request('GET', `http://127.0.0.1:${port}/x`))).resolves.toEqual({ status: 0, code: 'NETWORK', message: 'nobody home', body: {} });
  });
});
