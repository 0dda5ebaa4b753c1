import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { installRoot } from '@lmc/core/runtime-paths.ts';

export interface UiStaticOptions {
  /** The built UI (vite build output). Default: <repo>/ui/dist. */
  distDir?: string;
  /** Extra origins the kiosk page may run on (e.g. the appliance's LAN address for a second screen). */
  extraOrigins?: string[];
  /**
   * The host names the server answers to (http/host-guard.ts): each is announced on the listening port, so a name
   * added to server.allowedHosts is one the page agrees to run on too.
   */
  allowedHosts?: Iterable<string>;
}

export const DEFAULT_UI_DIST = join(installRoot(import.meta.url), 'ui', 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
};

/** The placeholder in ui/index.html that the server fills with the origins the page may run on. */
const ORIGIN_META = /<meta name="appliance-origins" content="[^"]*"\s*\/?>/;

/**
 * Serves the officer UI from memory: index.html (never cached; it carries the allowed origins) and the
 * content-hashed files under /assets (cached for a year). Nothing is fetched from outside the appliance: the
 * CSP says so too, and forbids framing the page.
 */
export const uiStatic: FastifyPluginAsync<UiStaticOptions> = async (app, opts) => {
  const dist = opts.distDir ?? DEFAULT_UI_DIST;
  const assets = new Map<string, Buffer>();
  let indexHtml: string | null = null;
  if (existsSync(join(dist, 'index.html'))) {
    indexHtml = readFileSync(join(dist, 'index.html'), 'utf8');
    const assetDir = join(dist, 'assets');
    if (existsSync(assetDir)) {
      for (const name of readdirSync(assetDir)) {
        const file = join(assetDir, name);
        if (statSync(file).isFile()) assets.set(name, readFileSync(file));
      }
    }
  }

  const security = (reply: FastifyReply, request: FastifyRequest) =>
    reply
      .header(
        'content-security-policy',
        `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self' ws://${request.headers.host ?? 'localhost'}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`,
      )
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer');

  app.get('/', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    security(reply, request).header('cache-control', 'no-store');
    if (indexHtml === null) {
      return reply
        .status(503)
        .type('text/plain; charset=utf-8')
        .send(`The officer UI is not built (no ${join(dist, 'index.html')}). Run: npm run build:ui`);
    }
    const address = app.server.address();
    const hostOrigins =
      address && typeof address !== 'string'
        ? [...(opts.allowedHosts ?? [])].map((h) => `http://${h.includes(':') ? `[${h}]` : h}:${address.port}`)
        : [];
    const origins = [...new Set([...allowedOrigins(address), ...hostOrigins, ...(opts.extraOrigins ?? [])])].join(' ');
    return reply.type(TYPES['.html'] as string).send(indexHtml.replace(ORIGIN_META, `<meta name="appliance-origins" content="${origins}">`));
  });

  app.get<{ Params: { '*': string } }>('/assets/*', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const name = request.params['*'];
    const body = /^[A-Za-z0-9._-]+$/.test(name) ? assets.get(name) : undefined;
    if (!body) return reply.status(404).send({ statusCode: 404, code: 'NOT_FOUND', message: `no UI asset ${name}` });
    security(reply, request).header('cache-control', 'public, max-age=31536000, immutable');
    return reply.type(TYPES[extname(name)] ?? 'application/octet-stream').send(body);
  });
};

/**
 * Where the appliance's own browser reaches it. A loopback or wildcard listener is reached as 127.0.0.1,
 * localhost or [::1]; any other address as itself. The page compares location.origin with this list.
 */
export function allowedOrigins(address: AddressInfo | string | null): string[] {
  if (!address || typeof address === 'string') return [];
  const { address: host, port } = address;
  if (['127.0.0.1', '::1', '0.0.0.0', '::', '::ffff:127.0.0.1'].includes(host)) {
    return [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`];
  }
  return [`http://${host.includes(':') ? `[${host}]` : host}:${port}`];
}
