import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { allowedOrigins, uiStatic } from '@lmc/appliance/http/ui-static.ts';

function fakeDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ui-dist-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<html><head><meta name="appliance-origins" content="" /></head><body></body></html>');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  return dir;
}

describe('UI static serving', () => {
  it('serves index.html with the origins filled in, a strict CSP and no caching', async () => {
    const app = Fastify();
    await app.register(uiStatic, { distDir: fakeDist(), extraOrigins: ['http://10.0.0.5:8080'] });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const res = await app.inject({ method: 'GET', url: '/', headers: { host: 'localhost:1' } });
      expect(res.statusCode).toBe(200);
      const port = (app.server.address() as { port: number }).port;
      expect(res.body).toContain(`<meta name="appliance-origins" content="http://127.0.0.1:${port} http://localhost:${port} http://[::1]:${port} http://10.0.0.5:8080">`);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-security-policy']).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
      const js = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
      expect(js.statusCode).toBe(200);
      expect(js.headers['content-type']).toMatch(/text\/javascript/);
      expect(js.headers['cache-control']).toMatch(/immutable/);
      expect((await app.inject({ method: 'GET', url: '/assets/..%2Findex.html' })).statusCode).toBe(404);
      expect((await app.inject({ method: 'GET', url: '/assets/missing.js' })).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('announces every host name the server answers to, so server.allowedHosts and the page agree', async () => {
    const app = Fastify();
    await app.register(uiStatic, { distDir: fakeDist(), allowedHosts: ['localhost', '127.0.0.1', '::1', '10.0.0.7'] });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const port = (app.server.address() as { port: number }).port;
      const res = await app.inject({ method: 'GET', url: '/' });
      expect(res.body).toContain(`<meta name="appliance-origins" content="http://127.0.0.1:${port} http://localhost:${port} http://[::1]:${port} http://10.0.0.7:${port}">`);
    } finally {
      await app.close();
    }
  });

  it('says how to build the UI when it is not built, instead of a blank page', async () => {
    const app = Fastify();
    await app.register(uiStatic, { distDir: mkdtempSync(join(tmpdir(), 'ui-none-')) });
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toMatch(/npm run build:ui/);
    await app.close();
  });

  it('names loopback aliases for a loopback or wildcard listener and the address itself otherwise', () => {
    expect(allowedOrigins({ address: '0.0.0.0', port: 80, family: 'IPv4' })).toContain('http://localhost:80');
    expect(allowedOrigins({ address: '192.168.1.9', port: 8080, family: 'IPv4' })).toEqual(['http://192.168.1.9:8080']);
    expect(allowedOrigins({ address: 'fe80::1', port: 8080, family: 'IPv6' })).toEqual(['http://[fe80::1]:8080']);
  });
});
