/**
 * The central's CSCA list (#18), admin only:
 * - POST   /api/v1/admin/csca?replace=false — the body is an ICAO master list (DER CMS, as the PKD publishes it),
 *          a PEM bundle or one DER certificate (content-type application/octet-stream, application/pkcs7-mime,
 *          application/pkix-cert, application/x-pem-file or text/plain); the certificates accepted reach every
 *          appliance through the signed reference pull (table csca_certificates);
 * - GET    /api/v1/admin/csca — the certificates held and the last changes (the audit);
 * - DELETE /api/v1/admin/csca/:fingerprint — withdraw one certificate (a compromised or mistaken CSCA).
 * Every change is audited in csca_uploads with the admin's user name.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorResponseSchema } from '@lmc/protocol/batch-schema.ts';
import type { Db } from '../db/db.ts';
import { parseCscaUpload } from './csca-parse.ts';
import { deleteCsca, listCscas, storeCscaUpload } from './csca-store.ts';
import { centralError } from '../errors.ts';

export const ADMIN_CSCA_PATH = '/api/v1/admin/csca';

/** Body types a CSCA file arrives as; each is read as raw bytes. */
export const CSCA_CONTENT_TYPES = ['application/octet-stream', 'application/pkcs7-mime', 'application/pkix-cert', 'application/x-pem-file', 'text/plain'] as const;

/** ICAO's own master list is about 1 MB; room for growth. */
const MAX_UPLOAD_BYTES = 8 * 1024 * 1024;

export interface CscaRoutesOptions {
  db: Db;
  perMinute: number;
  now: () => Date;
}

const Note = Type.Object({ index: Type.Integer(), fingerprint: Type.Union([Type.String(), Type.Null()]), subject: Type.Union([Type.String(), Type.Null()]), reason: Type.String() });
const Change = {
  uploadId: Type.String({ format: 'uuid' }),
  at: Type.String({ format: 'date-time' }),
  added: Type.Integer(),
  unchanged: Type.Integer(),
  removed: Type.Integer(),
  version: Type.Integer({ description: 'Reference feed head after the change: appliances that reach it hold the new list' }),
};
const Fingerprint = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the DER certificate, lowercase hex' });

export const cscaRoutes: FastifyPluginAsyncTypebox<CscaRoutesOptions> = async (app, opts) => {
  const { db, now } = opts;
  const write = { centralAccess: 'admin-or-token' as const, rateLimit: { max: opts.perMinute, timeWindow: 60_000 } };
  const who = (request: { staff: { username: string } | null }) => request.staff?.username ?? 'admin-token';

  // Encapsulated: these parsers apply to this plugin's routes only. The bytes travel as a latin1 string (one
  // character per byte, so Buffer.from(body, 'latin1') gives them back exactly) to fit the body schema.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser([...CSCA_CONTENT_TYPES], { parseAs: 'buffer', bodyLimit: MAX_UPLOAD_BYTES }, (_request, body, done) =>
    done(null, Buffer.isBuffer(body) ? body.toString('latin1') : body),
  );

  app.post(
    ADMIN_CSCA_PATH,
    {
      config: write,
      bodyLimit: MAX_UPLOAD_BYTES,
      // A body that is not a file (JSON, nothing) answers CSCA_LIST_INVALID below, not the generic schema error.
      attachValidation: true,
      schema: {
        summary: 'Upload CSCA certificates: an ICAO master list (its signature and signer are verified), a PEM bundle or a DER certificate',
        description:
          'Send the file itself as the body (application/octet-stream, application/pkcs7-mime, application/pkix-cert, application/x-pem-file or text/plain). ' +
          'Each certificate must be a CA (basicConstraints cA, keyCertSign) naming its country; refused ones are listed, expired ones kept with a warning. ' +
          'The accepted certificates reach every appliance with the next reference pull. replace=true also removes every certificate the file does not hold.',
        querystring: Type.Object({ replace: Type.Boolean({ default: false }) }, { additionalProperties: false }),
        body: Type.String({ format: 'binary', description: 'The master list, PEM bundle or DER certificate' }),
        consumes: [...CSCA_CONTENT_TYPES],
        response: {
          200: Type.Object({
            ...Change,
            form: Type.Union([Type.Literal('master-list'), Type.Literal('pem'), Type.Literal('der')]),
            masterListSigner: Type.Union([Type.String(), Type.Null()], { description: 'Subject of the verified master list signer' }),
            accepted: Type.Integer(),
            refused: Type.Array(Note),
            warnings: Type.Array(Note),
          }),
          '4xx': ErrorResponseSchema,
        },
      },
    },
    async (request) => {
      const invalid = request.validationError;
      if (invalid && invalid.validationContext !== 'body') throw invalid;
      if (invalid || typeof request.body !== 'string') {
        throw centralError('CSCA_LIST_INVALID', `Send the file itself as the body, with content-type ${CSCA_CONTENT_TYPES.join(', ')}`);
      }
      const upload = await parseCscaUpload(Buffer.from(request.body, 'latin1'), now());
      const change = await storeCscaUpload(db, upload, { actor: who(request), replaceAll: request.query.replace });
      request.log.info(
        { uploadId: change.uploadId, by: who(request), form: upload.form, added: change.added, removed: change.removed, refused: upload.refused.length, version: change.version },
        'CSCA list uploaded',
      );
      return { ...change, form: upload.form, masterListSigner: upload.masterListSigner, accepted: upload.rows.length, refused: upload.refused, warnings: upload.warnings };
    },
  );

  app.get(
    ADMIN_CSCA_PATH,
    {
      config: write,
      schema: {
        summary: 'The CSCA certificates the central holds (and sends to the appliances), and the last 50 changes',
        response: {
          200: Type.Object({
            certificates: Type.Array(
              Type.Object({ fingerprint: Fingerprint, country: Type.String(), subject: Type.String(), notBefore: Type.String({ format: 'date' }), notAfter: Type.String({ format: 'date' }), expired: Type.Boolean() }),
            ),
            changes: Type.Array(
              Type.Object({
                uploadId: Type.String(),
                at: Type.String({ format: 'date-time' }),
                actor: Type.String(),
                action: Type.Union([Type.Literal('upload'), Type.Literal('delete')]),
                form: Type.Union([Type.String(), Type.Null()]),
                replaceAll: Type.Boolean(),
                masterListSigner: Type.Union([Type.String(), Type.Null()]),
                added: Type.Integer(),
                removed: Type.Integer(),
                unchanged: Type.Integer(),
                warnings: Type.Integer({ description: 'Certificates refused or kept with a warning' }),
              }),
            ),
          }),
          '4xx': ErrorResponseSchema,
        },
      },
    },
    async () => listCscas(db, now()),
  );

  app.delete(
    `${ADMIN_CSCA_PATH}/:fingerprint`,
    {
      config: write,
      schema: {
        summary: 'Withdraw one CSCA certificate: the appliances drop it with the next reference pull',
        params: Type.Object({ fingerprint: Fingerprint }),
        response: { 200: Type.Object(Change), '4xx': ErrorResponseSchema },
      },
    },
    async (request) => {
      const change = await deleteCsca(db, request.params.fingerprint, who(request));
      request.log.info({ uploadId: change.uploadId, by: who(request), fingerprint: request.params.fingerprint, version: change.version }, 'CSCA certificate withdrawn');
      return change;
    },
  );
};
