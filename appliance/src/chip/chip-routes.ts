/**
 * HTTP routes of the chip part: the registration's chip result and face photo, a new read on request, the CSCA
 * list the appliance trusts, and the simulator's controls. Every route declares its access.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CHIP_KINDS } from '@lmc/firmware-bridge/chip/simulator/sim-passports.ts';
import { requireOfficer } from '../auth/index.ts';
import { FirmwareBridgeErrors } from '@lmc/firmware-bridge/errors.ts';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import { ErrorSchema, Uuid } from '../http/schemas.ts';
import type { Store } from '../store/index.ts';
import type { ChipFeature } from './chip-feature.ts';
import type { ChipService } from './chip-service.ts';
import type { CscaTrust } from './csca-trust.ts';
import { orNotFound, simulatorOf } from '../http/route-options.ts';

export interface ChipRoutesOptions {
  store: Store;
  feature: ChipFeature;
  service: ChipService;
  trust: () => CscaTrust;
}

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(s: T) => Type.Union([s, Type.Null()]);

export const ChipResultSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('read'), Type.Literal('not-present'), Type.Literal('failed')]),
    code: Nullable(Type.String({ description: 'why not read (CHIP_ACCESS_DENIED, CHIP_REMOVED, DEVICE_NOT_CONNECTED …) or the PA code when not genuine' })),
    accessControl: Nullable(Type.Union([Type.Literal('bac'), Type.Literal('none')], { description: "'bac' for PACE too; accessProtocol says which" })),
    accessProtocol: Nullable(Type.Union([Type.Literal('pace'), Type.Literal('bac'), Type.Literal('none')], { description: 'how the chip was opened (9303-11 PACE, BAC, or no access control)' })),
    dg1: Nullable(Type.Object({ match: Type.Boolean(), differingFields: Type.Array(Type.String()) })),
    passiveAuthentication: Nullable(
      Type.Object({
        outcome: Type.Union([Type.Literal('genuine'), Type.Literal('data-altered'), Type.Literal('unknown-issuer'), Type.Literal('signer-expired'), Type.Literal('no-csca')]),
        dataGroups: Type.Record(Type.String(), Type.Boolean()),
        signatureValid: Type.Boolean(),
        issuerKnown: Type.Boolean(),
        signerValidAt: Type.Boolean(),
        signer: Type.String(),
        issuingCountry: Nullable(Type.String()),
      }),
    ),
    face: Nullable(
      Type.Object({
        mime: Type.Union([Type.Literal('image/jpeg'), Type.Literal('image/jp2')]),
        width: Type.Integer(),
        height: Type.Integer(),
        bytes: Type.Integer(),
        sha256: Type.String(),
        displayable: Type.Boolean({ description: 'a JPEG can be shown: the image itself, or the JPEG derived from a JPEG 2000 face; false when the JPEG 2000 could not be decoded' }),
        converted: Type.Optional(Type.Boolean({ description: 'the JPEG shown was derived from the JPEG 2000 read' })),
        displayProblem: Type.Optional(Nullable(Type.String({ description: 'why a JPEG 2000 face is not shown (CHIP_FACE_UNDECODABLE, WORKER_BUSY …)' }))),
      }),
    ),
    apduCount: Nullable(Type.Integer()),
    durationMs: Type.Integer(),
    readAt: Type.String(),
  },
  { additionalProperties: false },
);

const Reading = Type.Object({ status: Type.Literal('reading'), progress: Type.Object({ read: Type.Integer(), total: Type.Integer() }) }, { additionalProperties: false });

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 503: ErrorSchema };

export const chipRoutes: FastifyPluginAsyncTypebox<ChipRoutesOptions> = async (app, opts) => {
  const { store, feature, service } = opts;
  const registration = (id: string) => {
    return orNotFound(store.registrations.get(id), 'No registration with that id.', { id });
  };

  app.get(
    '/api/registrations/:id/chip',
    {
      config: { access: 'officer' },
      schema: {
        summary: "The passport chip result of a registration's document: read, DG1 against the printed MRZ, passive authentication, face",
        description:
          'null when no read was recorded (no chip reader, or the document was typed); {status:"reading"} while a read is under way (progress also pushed on socket.io as chip:read). A failed or absent chip never blocks finalize.',
        tags: ['chip'],
        params: Type.Object({ id: Uuid }),
        response: { 200: Type.Object({ chip: Type.Union([ChipResultSchema, Reading, Type.Null()]), reader: Type.Object({ state: Type.String(), simulated: Type.Boolean(), cardPresent: Type.Boolean() }) }), ...errors },
      },
    },
    async (request) => {
      registration(request.params.id);
      return { chip: service.result(request.params.id), reader: { state: feature.state.state, simulated: feature.state.simulated, cardPresent: feature.cardPresent } };
    },
  );

  app.get(
    '/api/registrations/:id/chip/face',
    {
      config: { access: 'officer' },
      schema: {
        summary: 'The face photo read from the passport chip (DG2): a JPEG to show (default), or the image exactly as read (form=as-read)',
        description:
          'form=display (default): image/jpeg, the image itself when the chip holds JPEG, or the JPEG derived from a JPEG 2000 face when the chip was read; a JPEG 2000 face that could not be decoded is answered as read (image/jp2, result face.displayable false). form=as-read: the bytes DG2 holds (image/jpeg or image/jp2), those passive authentication hashed. Decrypted in memory for this response only, never cached (cache-control: no-store); each viewing is audited (chip.face-viewed). 404 when no face was read.',
        tags: ['chip'],
        params: Type.Object({ id: Uuid }),
        querystring: Type.Object(
          {
            form: Type.Optional(Type.Union([Type.Literal('display'), Type.Literal('as-read')], { default: 'display' })),
            v: Type.Optional(Type.String({ maxLength: 64, description: "the screen's cache key (the face's SHA-256 prefix); ignored" })),
          },
          { additionalProperties: false },
        ),
        produces: ['image/jpeg', 'image/jp2'],
        response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'image/jpeg or image/jp2' }), ...errors },
      },
    },
    async (request, reply) => {
      const officer = requireOfficer(request);
      registration(request.params.id);
      const face = orNotFound((request.query.form !== 'as-read' && service.displayFace(request.params.id)) || service.face(request.params.id), 'No face photo was read from the chip for this registration.', { id: request.params.id });
      store.transaction('chip.face-viewed', () =>
        store.audit.append({ actor: officer.officerId, action: 'chip.face-viewed', entityType: 'registration', entityId: request.params.id }),
      );
      return reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff').type(face.mime).send(face.data);
    },
  );

  app.post(
    '/api/registrations/:id/chip/read',
    {
      config: { access: 'officer' },
      schema: {
        summary: "Read the passport chip again for this registration's attached document (after the card left the field mid-read, or for a typed MRZ)",
        description:
          'Uses the attached MRZ for BAC; records the result on the registration (audited chip.read) and answers it. 409 REGISTRATION_FINALIZED / DOCUMENT_REQUIRED; 503 DEVICE_NOT_CONFIGURED without a chip reader. Chip faults are results (status failed with a code), not errors.',
        tags: ['chip'],
        params: Type.Object({ id: Uuid }),
        response: { 200: ChipResultSchema, ...errors },
      },
    },
    async (request) => {
      const officer = requireOfficer(request);
      const r = registration(request.params.id);
      if (r.status === 'finalized') throw new ApplianceError(ApplianceErrors.REGISTRATION_FINALIZED.code, 'This registration is finalized: its chip read can no longer change.');
      if (!r.document) throw new ApplianceError(ApplianceErrors.DOCUMENT_REQUIRED.code, 'Scan or type the MRZ first: the chip is opened with it.');
      if (!feature.configured) throw new ApplianceError(FirmwareBridgeErrors.DEVICE_NOT_CONFIGURED.code, 'No chip reader is configured on this appliance.');
      return service.readNow(r.id, r.document.lines, officer.officerId);
    },
  );

  app.get(
    '/api/chip/csca',
    {
      config: { access: ['supervisor', 'technician'] },
      schema: {
        summary: 'The CSCA certificates passive authentication trusts: files loaded (with how many certificates) and files refused (with why); the set the central sends down with the reference pull is the file "central (reference sync)"',
        tags: ['chip'],
        response: {
          200: Type.Object({
            certificates: Type.Integer(),
            files: Type.Array(Type.Object({ file: Type.String(), certificates: Type.Integer(), form: Type.String() })),
            refused: Type.Array(Type.Object({ file: Type.String(), reason: Type.String() })),
          }),
          ...errors,
        },
      },
    },
    async () => {
      const t = opts.trust();
      return { certificates: t.certificates.length, files: t.files, refused: t.refused };
    },
  );

  app.post(
    '/api/simulator/chip',
    {
      config: { access: 'officer' },
      schema: {
        summary: 'Simulated chip reader only: what chip the next passport carries (valid, altered-dg1, unknown-signer, signer-expired, no-access-control, removed, no-chip), or take the card away',
        tags: ['simulator'],
        body: Type.Object(
          {
            next: Type.Optional(Type.Union([...CHIP_KINDS, 'no-chip'].map((k) => Type.Literal(k)))),
            remove: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ next: Type.String(), cardPresent: Type.Boolean() }), ...errors },
      },
    },
    async (request) => {
      const sim = simulatorOf(feature.simulator, 'The chip reader is not simulated on this appliance.');
      if (request.body.next) sim.nextKind = request.body.next as typeof sim.nextKind;
      if (request.body.remove) sim.remove();
      return { next: sim.nextKind, cardPresent: sim.cardPresent };
    },
  );
};
