import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import { classifyBarcode } from '../barcodes/barcode-decoder.ts';
import type { BarcodeReader } from '../barcodes/barcode-reader.ts';
import type { PrintingService } from '../printing/printing-service.ts';
import { RECEIPT_LANGUAGES } from '../printing/receipt-catalogue.ts';
import { acceptImages, IMAGE_TYPES } from './barcode-routes.ts';
import { ErrorSchema, Uuid } from './schemas.ts';
import { requireOfficer } from '../auth/index.ts';
import { orNotFound, routeOptions, simulatorOf, simulatorRoute } from './route-options.ts';

export interface PrintingRoutesOptions {
  printing: PrintingService;
  /** The worker-thread barcode reader shared with /api/barcodes/decode: photos are never decoded on the event loop. */
  reader: BarcodeReader;
}

const Language = Type.Union(
  RECEIPT_LANGUAGES.map((l) => Type.Literal(l)),
  { description: 'en English; sn Shona and nd Ndebele (draft translations awaiting native-speaker review)' },
);
const PrintJobSchema = Type.Object({
  id: Uuid,
  registrationId: Uuid,
  kind: Type.Literal('receipt'),
  language: Type.String(),
  copy: Type.Boolean(),
  status: Type.Union([Type.Literal('queued'), Type.Literal('printing'), Type.Literal('done'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  lastError: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  printedAt: Type.Union([Type.String(), Type.Null()]),
});
const IdParams = Type.Object({ id: Uuid });
const route = routeOptions({ tags: ['printing'], errors: { 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema } });
const VerifyResponse = Type.Object(
  {
    genuine: Type.Boolean(),
    reason: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
    claims: Type.Optional(
      Type.Object({ registrationId: Type.String(), officeCode: Type.String(), date: Type.String(), deviceId: Type.String() }),
    ),
    signedBy: Type.Optional(Type.String()),
    record: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
    note: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/**
 * Receipts: the officer asks for the receipt once the registration is finalized (the UI does it
 * on its finish step, with the migrant's language); jobs go through the durable queue and are
 * pushed live as `print:job`. A failed job waits for POST /reprint.
 */
export const printingRoutes: FastifyPluginAsyncTypebox<PrintingRoutesOptions> = async (app, opts) => {
  const { printing } = opts;
  acceptImages(app);

  app.post(
    '/api/registrations/:id/receipt',
    route('officer', {
      summary: 'Print the migrant\'s receipt (finalized registrations only)',
      description:
        "Idempotent for the original: asking again returns the existing job (200) instead of printing twice. Without `language`, in the migrant's language (the registration's migrantLanguage; English when none). " +
        '`copy: true` prints an extra copy marked COPY (202).',
      params: IdParams,
      body: Type.Object({ language: Type.Optional(Language), copy: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      response: { 200: PrintJobSchema, 202: PrintJobSchema },
    }),
    async (request, reply) => {
      const { job, created } = printing.requestReceipt({
        registrationId: request.params.id,
        ...(request.body.language ? { language: request.body.language } : {}),
        ...(request.body.copy !== undefined ? { copy: request.body.copy } : {}),
      });
      return reply.status(created ? 202 : 200).send(job);
    },
  );

  app.post(
    '/api/registrations/:id/reprint',
    route('officer', {
      summary: "Reprint a finalized registration's receipt from the queue: a copy marked COPY, in the migrant's language (audited)",
      description: '409 REGISTRATION_NOT_FINALIZED for a draft. Each press queues one copy.',
      params: IdParams,
      response: { 202: PrintJobSchema },
    }),
    async (request, reply) => reply.status(202).send(printing.reprintReceipt(request.params.id, requireOfficer(request).officerId)),
  );

  app.get(
    '/api/registrations/:id/print-jobs',
    {
      config: { access: 'officer' },
      schema: { summary: 'Print jobs of one registration, oldest first', tags: ['printing'], params: IdParams, response: { 200: Type.Array(PrintJobSchema) } },
    },
    async (request) => printing.jobs.forRegistration(request.params.id),
  );

  app.get(
    '/api/print-jobs',
    {
      config: { access: 'officer' },
      schema: {
        summary: 'Recent print jobs, newest first',
        tags: ['printing'],
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Union([Type.Literal('queued'), Type.Literal('printing'), Type.Literal('done'), Type.Literal('failed')])),
            limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(PrintJobSchema) },
      },
    },
    async (request) => printing.jobs.list({ limit: request.query.limit, ...(request.query.status ? { status: request.query.status } : {}) }),
  );

  app.get(
    '/api/print-jobs/:id',
    route('officer', { summary: 'One print job', params: IdParams, response: { 200: PrintJobSchema } }),
    async (request) => {
      return orNotFound(printing.jobs.get(request.params.id), `no print job ${request.params.id}`);
    },
  );

  app.post(
    '/api/print-jobs/:id/reprint',
    route('officer', {
      summary: 'Print a failed receipt again (after loading paper, closing the cover…)',
      description: 'Only a failed job can be reprinted (409 otherwise), so a double press prints once.',
      params: IdParams,
      response: { 202: PrintJobSchema },
    }),
    async (request, reply) => reply.status(202).send(printing.queue.reprint(request.params.id)),
  );

  app.post(
    '/api/receipts/verify',
    {
      config: { access: 'officer' },
      schema: {
        summary: 'Is this receipt genuine? From the QR text or a photo of the receipt',
        description:
          'JSON `{ "qr": "ZLMC1...." }` or a raw image (image/png, image/jpeg). Answers 200 with genuine true/false and the ' +
          'reason; a genuine receipt of this appliance shows the local record when it is still here.',
        tags: ['printing'],
        body: {
          content: {
            'application/json': {
              schema: Type.Object({ qr: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false }),
            },
            ...Object.fromEntries(IMAGE_TYPES.map((t) => [t, { schema: { description: 'photo of the receipt' } }])),
          },
        } as never,
        response: { 200: VerifyResponse, 400: ErrorSchema, 413: ErrorSchema, 415: ErrorSchema, 422: ErrorSchema, 503: ErrorSchema },
      },
    },
    async (request) => {
      const body = request.body as unknown;
      if (!Buffer.isBuffer(body) && typeof (body as { qr?: unknown } | null)?.qr !== 'string') {
        throw new ApplianceError(ApplianceErrors.UNSUPPORTED_MEDIA_TYPE.code, `send JSON {"qr": "..."} or the photo's bytes with Content-Type ${IMAGE_TYPES.join(' or ')}`);
      }
      const qr = Buffer.isBuffer(body) ? classifyBarcode(await opts.reader.decode(body)).text : (body as { qr: string }).qr;
      return printing.verify(qr);
    },
  );

  const simulator = () => simulatorOf(printing.feature.simulator, 'the receipt printer is real hardware here');

  app.post(
    '/api/simulator/printer',
    simulatorRoute('officer', {
      summary: 'Simulated printer only: paper out, cover open, offline, paper near end, roll ending mid-job',
      body: Type.Object(
        {
          paperOut: Type.Optional(Type.Boolean()),
          paperNearEnd: Type.Optional(Type.Boolean()),
          coverOpen: Type.Optional(Type.Boolean()),
          offline: Type.Optional(Type.Boolean()),
          paperOutAfterBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
        },
        { additionalProperties: false },
      ),
      response: { 200: Type.Object({}, { additionalProperties: true }) },
    }),
    async (request) => {
      const sim = simulator();
      const b = request.body;
      if (b.paperOutAfterBytes !== undefined) sim.setPaperOutAfterBytes(b.paperOutAfterBytes);
      if (b.paperNearEnd !== undefined) sim.setPaperNearEnd(b.paperNearEnd);
      if (b.coverOpen !== undefined) sim.setCoverOpen(b.coverOpen);
      if (b.offline !== undefined) sim.setOffline(b.offline);
      if (b.paperOut !== undefined) sim.setPaperOut(b.paperOut);
      return { ...sim.status(), receiptsPrinted: sim.receipts().length, heldCommands: sim.heldCommands };
    },
  );

  app.get(
    '/api/simulator/printer/last-receipt.png',
    simulatorRoute('officer', {
      summary: 'Simulated printer only: the last receipt it printed, as the paper would look',
      response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'image/png' }), 404: ErrorSchema },
    }),
    async (_request, reply) => {
      const png = orNotFound(simulator().lastReceiptPng(), 'the simulated printer has not printed a receipt yet');
      return reply.type('image/png').send(png);
    },
  );
};
