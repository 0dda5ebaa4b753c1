import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { MrzReaderFeature } from '../devices/mrz-reader-feature.ts';
import type { DeviceStateEvent } from '../events/event-bus.ts';
import { SAMPLE_COUNT, sampleDocumentLines, tamper } from '../devices/sample-documents.ts';
import type { ScanCache } from '../devices/scan-cache.ts';
import { ErrorSchema } from './schemas.ts';
import { orNotFound, routeOptions, simulatorOf, simulatorRoute } from './route-options.ts';

export interface DeviceRoutesOptions {
  /** The passport reader, for its simulator route. */
  mrz: MrzReaderFeature | undefined;
  /** Every counter device's current state (reader, fingerprint module, printer), as the socket pushes them. */
  devices: () => DeviceStateEvent[];
  scans: ScanCache;
}

const DeviceState = Type.Object({
  device: Type.String(),
  state: Type.String(),
  reason: Type.Optional(Type.String({ description: 'English, for the technician' })),
  code: Type.Optional(Type.String({ description: 'coded reason the UI translates, e.g. PRINTER_PAPER_OUT, PRINTER_PAPER_NEAR_END' })),
  simulated: Type.Boolean(),
  transportId: Type.String(),
  at: Type.String(),
});

const route = routeOptions({ tags: ['devices'] });

export const deviceRoutes: FastifyPluginAsyncTypebox<DeviceRoutesOptions> = async (app, opts) => {
  app.get(
    '/api/devices',
    route('officer', { summary: 'State of each counter device', response: { 200: Type.Array(DeviceState) } }),
    async () => opts.devices(),
  );

  app.get(
    '/api/scans/latest',
    route('officer', {
      summary: 'The most recent document read (also pushed live on socket.io as document:scanned)',
      response: { 200: Type.Object({}, { additionalProperties: true }), 404: ErrorSchema },
    }),
    async () => {
      return orNotFound(opts.scans.latest(), 'no document has been read since the appliance started');
    },
  );

  app.post(
    '/api/simulator/mrz/scan',
    simulatorRoute('officer', {
      summary: 'Simulated reader only: "place" a passport on it. The bytes go over the pty like a real reader\'s',
      body: Type.Optional(
        Type.Object(
          {
            sample: Type.Optional(Type.Integer({ minimum: 0, maximum: SAMPLE_COUNT - 1 })),
            lines: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 60 }), { minItems: 1, maxItems: 3 })),
            tampered: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
      ),
      response: { 202: Type.Object({ bytesWritten: Type.Integer(), wireMs: Type.Number(), lines: Type.Array(Type.String()) }) },
    }),
    async (request, reply) => {
      const sim = simulatorOf(opts.mrz?.simulator, 'the MRZ reader is real hardware here: place a passport on it');
      const body = request.body ?? {};
      let lines = body.lines ?? sampleDocumentLines(body.sample);
      if (body.tampered) lines = tamper(lines);
      const result = await sim.scan(lines);
      return reply.status(202).send({ bytesWritten: result.bytesWritten, wireMs: result.wireMs, lines });
    },
  );
};
