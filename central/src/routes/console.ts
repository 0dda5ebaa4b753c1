/**
 * GET /console/ — the central's console (central/console/, built by Vite into central/console/dist), served
 * from memory: index.html never cached, the content-hashed files under /console/assets/ cached for a year.
 * The page itself is public (it holds no data); every API route it calls checks the staff session and role
 * (auth/access.ts). The CSP allows nothing from outside the central and forbids framing.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { installRoot } from '@lmc/core/runtime-paths.ts';
import { CentralErrorCodes } from '../errors.ts';

export const CONSOLE_PATH = '/console/';
export const DEFAULT_CONSOLE_DIST = join(installRoot(import.meta.url), 'central', 'console', 'dist');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

function secure(reply: FastifyReply): FastifyReply {
  return reply.header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('x-frame-options', 'DENY');
}

export interface ConsoleRoutesOptions {
  /** The built console; default <install root>/central/console/dist. */
  distDir?: string;
}

export const consoleRoutes: FastifyPluginAsync<ConsoleRoutesOptions> = async (app, opts) => {
  const dist = opts.distDir ?? DEFAULT_CONSOLE_DIST;
  const index = existsSync(join(dist, 'index.html')) ? readFileSync(join(dist, 'index.html'), 'utf8') : null;
  const assets = new Map<string, Buffer>();
  const assetDir = join(dist, 'assets');
  if (existsSync(assetDir)) {
    for (const name of readdirSync(assetDir)) if (statSync(join(assetDir, name)).isFile()) assets.set(name, readFileSync(join(assetDir, name)));
  }
  const config = { centralAccess: 'public' as const };

  app.get('/console', { config, schema: { hide: true } }, async (_request, reply) => reply.redirect(CONSOLE_PATH, 302));

  app.get(CONSOLE_PATH, { config, schema: { hide: true } }, async (_request, reply) => {
    secure(reply).header('cache-control', 'no-store');
    if (index === null) {
      return reply.status(503).type('text/plain; charset=utf-8').send(`The console is not built (no ${join(dist, 'index.html')}). Run: npm run build:console`);
    }
    return reply.type('text/html; charset=utf-8').send(index);
  });

  app.get<{ Params: { name: string } }>(`${CONSOLE_PATH}assets/:name`, { config, schema: { hide: true } }, async (request, reply) => {
    const { name } = request.params;
    const body = /^[A-Za-z0-9._-]+$/.test(name) ? assets.get(name) : undefined;
    if (!body) return reply.status(404).send({ statusCode: 404, code: CentralErrorCodes.RouteNotFound, message: `No console asset ${name}` });
    secure(reply).header('cache-control', 'public, max-age=31536000, immutable');
    return reply.type(TYPES[extname(name)] ?? 'application/octet-stream').send(body);
  });
};
