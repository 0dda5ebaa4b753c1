/**
 * GET /api/fleet: every enrolled appliance with what its batches last reported (fleet-store.ts), for
 * Ministry and programme staff (any staff role: the view holds no personal data). Read-only.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorResponseSchema } from '@lmc/protocol/batch-schema.ts';
import type { Db } from '../db/db.ts';
import { listFleet } from './fleet-store.ts';

export const FLEET_PATH = '/api/fleet';

const Nullable = <T extends ReturnType<typeof Type.Integer> | ReturnType<typeof Type.String> | ReturnType<typeof Type.Number>>(t: T) =>
  Type.Union([t, Type.Null()]);
const Time = (description: string) => Nullable(Type.String({ format: 'date-time', description }));

export const FleetApplianceSchema = Type.Object({
  deviceId: Type.String(),
  office: Type.String({ description: 'Office code the appliance is enrolled at' }),
  officeName: Nullable(Type.String()),
  enrolledAt: Type.String({ format: 'date-time' }),
  revokedAt: Time('Set when the appliance was revoked'),
  lastBatchAt: Time('When the central last accepted a batch from it (central clock); null = never'),
  reportedAt: Time('When the status below arrived (central clock); null = it never sent one'),
  backlogPending: Nullable(Type.Integer({ description: 'Registrations not yet acknowledged, as reported' })),
  oldestUnsentAt: Time('Finalisation time of the oldest of them, as reported'),
  oldestUnsentAgeMs: Nullable(Type.Integer({ description: 'Now minus oldestUnsentAt' })),
  clockDriftMs: Nullable(Type.Integer({ description: "The last batch attempt's x-attempt-at minus the central's receive time; positive = appliance ahead" })),
  softwareVersion: Nullable(Type.String()),
  deviceStates: Type.Record(Type.String(), Type.String(), { description: 'Peripheral states by device name, as reported' }),
  auditChain: Type.Object({
    status: Type.Union(
      [Type.Literal('ok'), Type.Literal('rewritten'), Type.Literal('backwards'), Type.Literal('unknown')],
      { description: "ok = consistent; rewritten = a head hash changed at a length already anchored; backwards = a later report is shorter; unknown = never reported" },
    ),
    flaggedAt: Time('When the first inconsistency was seen (a flag stays)'),
    reason: Nullable(Type.String({ description: 'head_differs | prior_differs | length_backwards' })),
    length: Nullable(Type.Integer({ description: 'Latest reported chain length (last audit seq)' })),
    headHash: Nullable(Type.String({ description: 'Latest reported head hash (hex)' })),
  }),
});

export const FleetResponseSchema = Type.Object({
  generatedAt: Type.String({ format: 'date-time' }),
  appliances: Type.Array(FleetApplianceSchema),
});

export const fleetRoutes: FastifyPluginAsyncTypebox<{ db: Db; perMinute: number; now?: () => Date }> = async (app, { db, perMinute, now = () => new Date() }) => {
  app.get(
    FLEET_PATH,
    {
      config: { centralAccess: 'staff', rateLimit: { max: perMinute, timeWindow: 60_000 } },
      schema: {
        summary: 'The appliance fleet: last batch, backlog, clock drift, software, device states, audit-chain status',
        description:
          'Every enrolled appliance (revoked ones too) with what its batches last reported (the batch body\'s optional `status`). ' +
          'The audit chain is flagged `rewritten` when a report gives another head hash for a length the central already anchored, or a `prior` ' +
          'that disagrees with the anchored hash of its length; `backwards` when a report frozen later (batch sentAt) is shorter than one frozen ' +
          'earlier. A flag stays, never stops ingest, and is logged. Any staff role; read-only.',
        response: { 200: FleetResponseSchema, '4xx': ErrorResponseSchema },
      },
    },
    async () => {
      const at = now();
      return { generatedAt: at.toISOString(), appliances: await listFleet(db, at) };
    },
  );
};
