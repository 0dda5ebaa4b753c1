import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { renderDailyReportPdf, renderSlipPdf } from '../workers/cpu-jobs.ts';
import { dailyReportData } from '../documents/report-data.ts';
import { slipRecord } from '../documents/slip-data.ts';
import type { SlipChip } from '../documents/registration-slip.ts';
import { DetailsRepository } from '../registrations-details/details-repository.ts';
import type { PrintingService } from '../printing/printing-service.ts';
import { localParts } from '../printing/receipt-facts.ts';
import type { Store } from '../store/index.ts';
import { ErrorSchema, Uuid } from './schemas.ts';
import { orNotFound } from './route-options.ts';

/** A file body: fastify sends Buffers as they are (no serializer), the schema documents it. */
const Binary = (type: string) => Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: type });

export interface DocumentRoutesOptions {
  store: Store;
  printing: PrintingService;
  officeCode: string;
  now?: () => Date;
  /** The details as recorded (registrations-details/); default: a repository on the store's connection. */
  details?: Pick<DetailsRepository, 'recorded'>;
  /** The passport chip section (verdict and face) of a registration's slip, when a chip read was recorded (chip/). */
  chipSlip?: (registrationId: string) => SlipChip | null;
}

/** A4 PDFs: the registration slip for the office file and the daily office report. */
export const documentRoutes: FastifyPluginAsyncTypebox<DocumentRoutesOptions> = async (app, opts) => {
  const { store, printing } = opts;
  const details = opts.details ?? new DetailsRepository({ db: store.connection });
  const nameOf = (officerId: string) => app.auth?.officers.get(officerId)?.displayName;
  const now = opts.now ?? (() => new Date());

  app.get(
    '/api/registrations/:id/slip.pdf',
    {
      config: { access: 'officer' },
      schema: {
        summary:
          'A4 registration slip (PDF) for the office file: the document, the details (district, occupation, employer, vacancy…), each finger captured or excepted with its approving supervisor, ' +
          "the supervisor's approval, the consent text in the language it was given, the signed QR and signature lines (finalized registrations; 409 otherwise)",
        tags: ['documents'],
        params: Type.Object({ id: Uuid }),
        response: { 200: Binary('application/pdf'), 404: ErrorSchema, 409: ErrorSchema, 503: ErrorSchema },
      },
    },
    async (request, reply) => {
      const registration = orNotFound(store.registrations.get(request.params.id), `no registration ${request.params.id} at this post`);
      const pdf = await renderSlipPdf(printing.facts(registration), {
        record: slipRecord(store.connection, registration, details.recorded(registration.id), nameOf),
        generatedAt: now().toISOString(),
        deviceId: printing.signer.deviceId,
        chip: opts.chipSlip?.(registration.id) ?? null,
      });
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="slip-${registration.id}.pdf"`)
        .header('cache-control', 'no-store')
        .send(pdf);
    },
  );

  app.get(
    '/api/reports/daily.pdf',
    {
      config: { access: 'officer' },
      schema: {
        summary: 'Daily office report (PDF): registrations by sex, age group, district of origin, intended occupation',
        tags: ['documents'],
        querystring: Type.Object(
          { date: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'yyyy-mm-dd; default today (office time)' })) },
          { additionalProperties: false },
        ),
        response: { 200: Binary('application/pdf'), 400: ErrorSchema, 503: ErrorSchema },
      },
    },
    async (request, reply) => {
      const date = request.query.date ?? localParts(now().toISOString(), printing.timeZone).date;
      const data = dailyReportData(printing.database, { date, officeCode: opts.officeCode, timeZone: printing.timeZone });
      const pdf = await renderDailyReportPdf(data, { officeName: printing.officeName, generatedAt: now().toISOString() });
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="daily-report-${opts.officeCode}-${date}.pdf"`)
        .send(pdf);
    },
  );
};
