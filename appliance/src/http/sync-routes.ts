import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requireOfficer } from '../auth/guards.ts';
import type { SyncFeature } from '../sync/sync-feature.ts';
import { ErrorSchema, LinkState, NullableString } from './schemas.ts';
import { routeOptions } from './route-options.ts';

export interface SyncRoutesOptions {
  sync: Pick<SyncFeature, 'relay' | 'identity' | 'store'>;
}

export const SyncStatusSchema = Type.Object({
  at: Type.String(),
  deviceId: NullableString,
  linkState: LinkState,
  nextAttemptAt: NullableString,
  lastError: NullableString,
  failedAttempts: Type.Integer(),
  queueDepth: Type.Integer(),
  quarantined: Type.Integer(),
  oldestUnsentAt: NullableString,
  oldestUnsentAgeSeconds: Type.Union([Type.Integer(), Type.Null()]),
  lastAcknowledgedAt: NullableString,
  throughputPerSecond: Type.Number(),
  estimatedDrainSeconds: Type.Union([Type.Integer(), Type.Null()]),
});

const QuarantinedSchema = Type.Object({
  seq: Type.Integer(),
  registrationId: Type.String(),
  eventType: Type.String(),
  createdAt: Type.String(),
  attempts: Type.Integer(),
  quarantinedAt: Type.String(),
  reason: Type.String(),
});

const route = routeOptions({ tags: ['sync'] });

/**
 * Forwarding status and the technician's quarantine view. No personal data here: quarantine rows
 * carry ids, times and the central's coded reason, never the payload.
 */
export const syncRoutes: FastifyPluginAsyncTypebox<SyncRoutesOptions> = async (app, opts) => {
  const { relay, identity, store } = opts.sync;

  app.get(
    '/api/sync',
    route('officer', {
      summary: 'Forwarding to the central database: queue, link, throughput, time to drain',
      response: {
        200: Type.Object({
          status: SyncStatusSchema,
          device: Type.Object({ deviceId: Type.String(), publicKeyPem: Type.String({ description: 'enrol this at the central' }) }),
        }),
      },
    }),
    async () => ({ status: relay.status(), device: { deviceId: identity.deviceId, publicKeyPem: identity.publicKeyPem } }),
  );

  app.get(
    '/api/sync/quarantine',
    route('officer', {
      summary: 'Registrations the central refused or holds differently: for a technician to review',
      querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(QuarantinedSchema), total: Type.Integer() }), 400: ErrorSchema },
    }),
    async (request) => ({ items: store.outbox.quarantined(request.query.limit), total: store.outbox.quarantinedCount() }),
  );

  app.post(
    '/api/sync/now',
    route(['supervisor', 'technician'], {
      summary: 'Sync now: end any backoff wait and try the central at once (the link came back)',
      response: { 200: SyncStatusSchema, 401: ErrorSchema, 403: ErrorSchema },
    }),
    async (request) => {
      store.audit.append({ actor: requireOfficer(request).officerId, action: 'sync.now', entityType: 'sync', entityId: identity.deviceId, details: {} });
      relay.retryNow();
      return relay.status();
    },
  );

  app.post(
    '/api/sync/quarantine/:seq/retry',
    route(['technician', 'supervisor'], {
      summary: 'Put a quarantined registration back in the queue and try the central now',
      params: Type.Object({ seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }),
      response: { 200: QuarantinedSchema, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema },
    }),
    async (request) => {
      // The requeue and its audit row commit together.
      const item = store.transaction('sync.quarantine-retry', () => {
        const requeued = store.outbox.requeue(request.params.seq);
        store.audit.append({
          actor: requireOfficer(request).officerId,
          action: 'sync.quarantine_retry',
          entityType: 'registration',
          entityId: requeued.registrationId,
          details: { seq: requeued.seq },
        });
        return requeued;
      });
      relay.retryNow();
      relay.publishStatus();
      return item;
    },
  );
};
