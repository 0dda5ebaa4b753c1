import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DeviceStateEvent } from '../events/event-bus.ts';
import type { Store } from '../store/index.ts';
import type { SyncStatus } from '../sync/sync-status.ts';

export interface HealthRoutesOptions {
  store: Store;
  devices: () => DeviceStateEvent[];
  /** Forwarding to the central (non-personal summary; the technician's `status`/`self-test` read it). */
  sync?: () => SyncStatus;
}

export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, opts) => {
  const Health = Type.Object({
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')]),
    store: Type.Object({ ok: Type.Boolean(), schemaVersion: Type.Optional(Type.Integer()), walMode: Type.Optional(Type.Boolean()), error: Type.Optional(Type.String()) }),
    devices: Type.Array(Type.Object({ device: Type.String(), state: Type.String(), simulated: Type.Boolean(), reason: Type.Optional(Type.String()) })),
    sync: Type.Optional(
      Type.Object({
        linkState: Type.String({ description: 'not-configured | unknown | online | offline | backing-off | unauthorised' }),
        queueDepth: Type.Integer(),
        quarantined: Type.Integer(),
        lastAcknowledgedAt: Type.Union([Type.String(), Type.Null()]),
        lastError: Type.Union([Type.String(), Type.Null()]),
      }),
    ),
  });
  app.get(
    '/healthz',
    { config: { access: 'public' }, schema: { summary: 'Store and device states', tags: ['health'], response: { 200: Health, 503: Health } } },
    async (_request, reply) => {
      let store: { ok: boolean; schemaVersion?: number; walMode?: boolean; error?: string };
      try {
        const h = opts.store.health();
        store = { ok: h.ok, schemaVersion: h.schemaVersion, walMode: h.walMode };
      } catch (err) {
        store = { ok: false, error: (err as Error).message };
      }
      const devices = opts.devices().map((d) => ({
        device: d.device,
        state: d.state,
        simulated: d.simulated,
        ...(d.reason ? { reason: d.reason } : {}),
      }));
      const devicesOk = devices.every((d) => d.state === 'connected' || d.state === 'reading' || d.state === 'absent');
      const status = !store.ok ? 'down' : devicesOk ? 'ok' : 'degraded';
      const s = opts.sync?.();
      const sync = s
        ? { linkState: s.linkState, queueDepth: s.queueDepth, quarantined: s.quarantined, lastAcknowledgedAt: s.lastAcknowledgedAt, lastError: s.lastError }
        : undefined;
      return reply.status(store.ok ? 200 : 503).send({ status, store, devices, ...(sync ? { sync } : {}) });
    },
  );
};
