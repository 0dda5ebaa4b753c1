/**
 * The administration the console needs beyond the existing write routes (issue 16 point 5):
 * - GET  /api/v1/admin/devices: every device ever enrolled (revoked ones too), newest first;
 * - POST /api/v1/admin/devices/:deviceId/revoke {reason?}: refuse the device's batches and reference pulls
 *   from now on (the row stays: its registrations reference it);
 * - POST /api/v1/admin/devices/:deviceId/rekey {ttlMinutes?}: a one-time enrolment code for the device's
 *   office; the appliance re-enrols with it (`appliance-provision enrol --rekey`), signing the replacement
 *   with its old key, and the central revokes the old identity in the same transaction (enrolment-service.ts);
 * - GET  /api/v1/admin/enrolment-codes: the codes issued (office, times, used by whom; never the code);
 * - GET  /api/v1/admin/reference/:table?limit=&after=: the rows of a reference table as the central holds them,
 *   in the wire shape of protocol/src/reference-tables.ts (edits go through POST …/reference/:table, the feed).
 * All admin only (an admin session, or the admin bearer token for provisioning scripts); every change is
 * logged with the staff member's user name.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorResponseSchema } from '@lmc/protocol/batch-schema.ts';
import { REFERENCE_ADMIN_PATH } from '@lmc/protocol/reference-feed.ts';
import { type ColumnDef, REFERENCE_TABLE_NAMES, referenceTable } from '@lmc/protocol/reference-tables.ts';
import type { Db } from '../db/db.ts';
import { issueEnrolmentCode } from '../enrolment/enrolment-codes.ts';
import { CentralErrorCodes, centralError, CentralErrors } from '../errors.ts';

export const ADMIN_DEVICES_PATH = '/api/v1/admin/devices';
export const ADMIN_CODES_PATH = '/api/v1/admin/enrolment-codes';

export interface ConsoleAdminOptions {
  db: Db;
  perMinute: number;
  now: () => Date;
  /** Validity of a re-key code when the request does not say (minutes). */
  rekeyTtlMinutes?: number;
}

const Time = Type.String({ format: 'date-time' });
const NullableTime = Type.Union([Time, Type.Null()]);
const NullableText = Type.Union([Type.String(), Type.Null()]);
const DeviceParams = Type.Object({ deviceId: Type.String({ pattern: '^[\\x21-\\x7e]{1,128}$' }) });

const DeviceSchema = Type.Object({
  deviceId: Type.String(),
  officeCode: Type.String(),
  enrolledAt: Time,
  revokedAt: NullableTime,
  revokedReason: NullableText,
  replacedBy: NullableText,
});

const iso = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(v as string).toISOString());

/** A SELECT expression giving the column in its wire type on both drivers (dates as text, arrays as JSON text). */
function wireColumn(c: ColumnDef): string {
  if (c.type === 'date') return `to_char(${c.name}, 'YYYY-MM-DD') AS ${c.name}`;
  if (c.type === 'text[]') return `array_to_json(${c.name})::text AS ${c.name}`;
  return c.name;
}

export const consoleAdminRoutes: FastifyPluginAsyncTypebox<ConsoleAdminOptions> = async (app, opts) => {
  const { db, now } = opts;
  const config = { centralAccess: 'admin-or-token' as const, rateLimit: { max: opts.perMinute, timeWindow: 60_000 } };
  const who = (request: { staff: { username: string } | null }) => request.staff?.username ?? 'admin-token';

  app.get(
    ADMIN_DEVICES_PATH,
    { config, schema: { summary: 'Every device enrolled, revoked ones too', response: { 200: Type.Object({ devices: Type.Array(DeviceSchema) }), '4xx': ErrorResponseSchema } } },
    async () => {
      const rows = await db.query<{ device_id: string; office_code: string; enrolled_at: unknown; revoked_at: unknown; revoked_reason: string | null; replaced_by: string | null }>(
        'SELECT device_id, office_code, enrolled_at, revoked_at, revoked_reason, replaced_by FROM devices ORDER BY revoked_at IS NOT NULL, enrolled_at DESC, device_id',
      );
      return {
        devices: rows.map((r) => ({
          deviceId: r.device_id,
          officeCode: r.office_code,
          enrolledAt: iso(r.enrolled_at) as string,
          revokedAt: iso(r.revoked_at),
          revokedReason: r.revoked_reason,
          replacedBy: r.replaced_by,
        })),
      };
    },
  );

  app.post(
    `${ADMIN_DEVICES_PATH}/:deviceId/revoke`,
    {
      config,
      schema: {
        summary: 'Revoke a device: its batches and reference pulls are refused from now on',
        params: DeviceParams,
        body: Type.Object({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ deviceId: Type.String(), revokedAt: Time }), '4xx': ErrorResponseSchema },
      },
    },
    async (request) => {
      const { deviceId } = request.params;
      const at = now().toISOString();
      const reason = `revoked by ${who(request)}${request.body.reason ? `: ${request.body.reason}` : ''}`;
      const done = await db.query('UPDATE devices SET revoked_at = $1, revoked_reason = $2 WHERE device_id = $3 AND revoked_at IS NULL RETURNING 1 AS revoked', [at, reason, deviceId]);
      if (done.length === 0) {
        const exists = await db.query('SELECT 1 AS found FROM devices WHERE device_id = $1', [deviceId]);
        if (exists.length === 0) throw centralError(CentralErrorCodes.DeviceNotEnrolled, `No device ${deviceId}`, { deviceId });
        throw centralError(CentralErrorCodes.DeviceAlreadyRevoked, `Device ${deviceId} is already revoked`, { deviceId });
      }
      request.log.info({ deviceId, by: who(request) }, 'device revoked');
      return { deviceId, revokedAt: at };
    },
  );

  app.post(
    `${ADMIN_DEVICES_PATH}/:deviceId/rekey`,
    {
      config,
      schema: {
        summary: "A one-time enrolment code for an active device's office, for re-enrolment with a new key (the old identity is revoked when it is used)",
        params: DeviceParams,
        body: Type.Optional(Type.Object({ ttlMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 24 * 60 })) }, { additionalProperties: false })),
        response: {
          201: Type.Object({ deviceId: Type.String(), code: Type.String(), officeCode: Type.String(), expiresAt: Time }),
          '4xx': ErrorResponseSchema,
        },
      },
    },
    async (request, reply) => {
      const { deviceId } = request.params;
      const row = (await db.query<{ office_code: string }>('SELECT office_code FROM devices WHERE device_id = $1 AND revoked_at IS NULL', [deviceId]))[0];
      if (!row) throw centralError(CentralErrorCodes.DeviceNotEnrolled, `No active device ${deviceId}`, { deviceId });
      const issued = await issueEnrolmentCode(db, row.office_code, request.body?.ttlMinutes ?? opts.rekeyTtlMinutes ?? 1440, now());
      request.log.info({ deviceId, officeCode: issued.officeCode, expiresAt: issued.expiresAt, by: who(request) }, 're-key code issued');
      return reply.status(201).send({ deviceId, ...issued });
    },
  );

  app.get(
    ADMIN_CODES_PATH,
    {
      config,
      schema: {
        summary: 'Enrolment codes issued (never the code itself: only its hash is kept)',
        response: {
          200: Type.Object({
            codes: Type.Array(Type.Object({ officeCode: Type.String(), createdAt: Time, expiresAt: Time, usedAt: NullableTime, usedByDevice: NullableText })),
          }),
          '4xx': ErrorResponseSchema,
        },
      },
    },
    async () => {
      const rows = await db.query<{ office_code: string; created_at: unknown; expires_at: unknown; used_at: unknown; used_by_device: string | null }>(
        'SELECT office_code, created_at, expires_at, used_at, used_by_device FROM enrolment_codes ORDER BY created_at DESC LIMIT 200',
      );
      return {
        codes: rows.map((r) => ({
          officeCode: r.office_code,
          createdAt: iso(r.created_at) as string,
          expiresAt: iso(r.expires_at) as string,
          usedAt: iso(r.used_at),
          usedByDevice: r.used_by_device,
        })),
      };
    },
  );

  app.get(
    `${REFERENCE_ADMIN_PATH}/:table`,
    {
      config,
      schema: {
        summary: 'The rows of a reference table as the central holds them (wire shape), ordered by key',
        params: Type.Object({ table: Type.String({ maxLength: 64 }) }),
        querystring: Type.Object(
          {
            limit: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }),
            after: Type.Optional(Type.String({ maxLength: 64, description: 'keys after this one (paging)' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ table: Type.String(), rows: Type.Array(Type.Record(Type.String(), Type.Unknown())), more: Type.Boolean() }), '4xx': ErrorResponseSchema },
      },
    },
    async (request) => {
      const { table } = request.params;
      const def = (REFERENCE_TABLE_NAMES as readonly string[]).includes(table) ? referenceTable(table) : undefined;
      if (!def) throw centralError(CentralErrors.REFERENCE_TABLE_UNKNOWN.code, `No reference table '${table}'`, { table });
      const { limit, after } = request.query;
      const rows = await db.query<Record<string, unknown>>(
        `SELECT ${def.columns.map(wireColumn).join(', ')} FROM ${def.sqlTable} WHERE ($1::text IS NULL OR ${def.key} > $1) ORDER BY ${def.key} LIMIT $2`,
        [after ?? null, limit + 1],
      );
      const arrays = def.columns.filter((c) => c.type === 'text[]').map((c) => c.name);
      for (const r of rows) for (const a of arrays) r[a] = r[a] === null ? null : JSON.parse(String(r[a]));
      return { table: def.name, rows: rows.slice(0, limit), more: rows.length > limit };
    },
  );
};
