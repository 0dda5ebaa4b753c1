import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type AuthSettings, registerAuth } from './auth/index.ts';
import type { MrzReaderFeature } from './devices/mrz-reader-feature.ts';
import type { ScanCache } from './devices/scan-cache.ts';
import type { EventBus } from './events/event-bus.ts';
import { type DeclaredRoute, declarePluginRoutesPublic, enforceAccessDeclarations } from './http/access.ts';
import { deviceRoutes } from './http/device-routes.ts';
import { allowedHostNames, checkHostAndOrigin } from './http/host-guard.ts';
import { registerErrorHandler } from './http/error-handler.ts';
import { healthRoutes } from './http/health-routes.ts';
import { uiStatic } from './http/ui-static.ts';
import { registrationRoutes } from './http/registration-routes.ts';
import { syncRoutes } from './http/sync-routes.ts';
import type { Store } from './store/index.ts';
import { admissionHook } from './sync/admission-guard.ts';
import type { SyncFeature } from './sync/sync-feature.ts';
import { createBarcodeReader } from './barcodes/barcode-reader.ts';
import { createFinalizeService } from './registrations/finalize-service.ts';
import { barcodeRoutes } from './http/barcode-routes.ts';
import { documentRoutes } from './http/document-routes.ts';
import { printingRoutes } from './http/printing-routes.ts';
import type { PrintingService } from './printing/printing-service.ts';
import type { FingerprintFeature } from './fingerprints/fingerprint-feature.ts';
import type { FingerprintService } from './fingerprints/fingerprint-service.ts';
import { fingerprintRoutes } from './http/fingerprint-routes.ts';
import { referenceRoutes } from './http/reference-routes.ts';
import type { ReferenceSync } from './reference/reference-sync.ts';
import { detailsRoutes } from './http/details-routes.ts';
import { createDetailsParts, requireRoleOrApproval } from './registrations-details/index.ts';
import type { RegistrationRules } from './registrations/registration-rules.ts';
import { type Recruitment, recruitmentRoutes } from './recruitment/index.ts';
import { chipRoutes } from './chip/chip-routes.ts';
import type { RunningChip } from './chip/start-chip.ts';

export interface AppDeps {
  store: Store;
  bus: EventBus;
  scans: ScanCache;
  officeCode: string;
  mrz?: MrzReaderFeature;
  /** Store-and-forward: adds /api/sync routes and the admission guard on POST /api/registrations. */
  sync?: SyncFeature;
  /** Receipt printer, print queue, receipt verification; adds the printing, document and barcode routes. */
  printing?: PrintingService;
  /** Fingerprint reader and capture/verification workflows; adds the fingerprint and fingerprint-simulator routes. */
  fingerprints?: { feature: FingerprintFeature; service: FingerprintService };
  /** Reference data copied from the central (offices, districts, occupations, employers); adds /api/reference routes. */
  reference?: ReferenceSync;
  /** Matching, candidacies, recruitment costs and outcome notices (issue #17); adds the recruitment routes. */
  recruitment?: Pick<Recruitment, 'routeOptions'>;
  /** The passport chip reader and its reads after each scan; adds the chip and chip-simulator routes. */
  chip?: RunningChip;
  logger?: Logger;
  now?: () => Date;
  /** Sign-in settings (config/load-config.ts reads APPLIANCE_SUPERVISOR_ID/PIN and APPLIANCE_IDLE_LOGOUT_S). */
  auth?: AuthSettings;
  /** The office's registration rules (config office.registrationRules): minimum age, blocking warnings, draft expiry. */
  registrationRules?: RegistrationRules;
  /** Host names this appliance answers to (http/host-guard.ts); default loopback only. */
  allowedHosts?: ReadonlySet<string>;
}

/** Limits on every connection and request: a slow or idle client cannot hold the counter's server. */
export const HTTP_LIMITS = {
  /** Whole request (headers and body) must arrive within this. */
  requestTimeoutMs: 30_000,
  /** Headers must arrive within this. */
  headersTimeoutMs: 10_000,
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: 10_000,
  /** A socket with no traffic at all is closed after this (socket.io pings every 25 s). */
  connectionTimeoutMs: 60_000,
  /** Default body limit of a route that declares none. */
  defaultBodyLimit: 64 * 1024,
  /** Largest body any route may declare (receipt photos for verification). */
  maxBodyLimit: 12 * 1024 * 1024,
} as const;

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with its declared access, filled at ready() (tests try them all). */
    routeAccess: DeclaredRoute[];
  }
}

/** Builds the HTTP app without listening (fastify testing guide): tests use inject(), main.ts listens. */
export async function build(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger as FastifyBaseLogger } : { logger: false }),
    // The server-wide ceiling; each route gets HTTP_LIMITS.defaultBodyLimit unless it declares its own (onRoute below).
    bodyLimit: HTTP_LIMITS.maxBodyLimit,
    connectionTimeout: HTTP_LIMITS.connectionTimeoutMs,
    requestTimeout: HTTP_LIMITS.requestTimeoutMs,
    keepAliveTimeout: HTTP_LIMITS.keepAliveTimeoutMs,
    http: { headersTimeout: HTTP_LIMITS.headersTimeoutMs },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  });
  app.addHook('onRoute', (route) => {
    route.bodyLimit = Math.min(route.bodyLimit ?? HTTP_LIMITS.defaultBodyLimit, HTTP_LIMITS.maxBodyLimit);
  });
  const routes = enforceAccessDeclarations(app);
  app.decorate('routeAccess', routes);

  registerErrorHandler(app);
  // Before anything else: a request that does not name this appliance (DNS rebinding) or comes from a foreign page.
  const allowedHosts = deps.allowedHosts ?? allowedHostNames('127.0.0.1');
  app.addHook('onRequest', async (request) => checkHostAndOrigin(allowedHosts, request.method, request.headers));
  // Root-level so it covers the registration routes' encapsulated context; it only acts on POST /api/registrations.
  if (deps.sync) app.addHook('preHandler', admissionHook(deps.sync.guard));
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Border-post registration appliance',
        version: '0.1.0',
        description: 'Counter appliance of the Labour Migration Centre: document capture, registrations, devices.',
      },
    },
  });
  // biome-ignore lint/nursery/noMisusedPromises: fastify's register takes an async plugin (the FastifyPluginAsync overload)
  await app.register(async (docs) => {
    declarePluginRoutesPublic(docs); // the OpenAPI viewer's own routes: the API description is not secret
    await docs.register(swaggerUi, { routePrefix: '/docs' });
  });
  // After swagger, so the sign-in and officer routes are in /docs/json too.
  await registerAuth(app, { store: deps.store, officeCode: deps.officeCode, ...deps.auth, ...(deps.now ? { now: deps.now } : {}) });

  const devices = () => [
    ...(deps.mrz ? [deps.mrz.state] : []),
    ...(deps.printing ? [deps.printing.feature.state] : []),
    ...(deps.fingerprints ? [deps.fingerprints.feature.state] : []),
    ...(deps.chip ? [deps.chip.feature.state] : []),
  ];
  const syncDeps = deps.sync;
  await app.register(healthRoutes, { store: deps.store, devices, ...(syncDeps ? { sync: () => syncDeps.relay.status() } : {}) });
  // One barcode lane of the CPU pool (workers/cpu-pool.ts) for every route that reads a photo (decode, receipt verification).
  const barcodeReader = createBarcodeReader();
  app.addHook('onClose', () => barcodeReader.close());
  // Details, the finalize rule (details + consent + fingerprint plan) and supervisor approvals on the officer's screen.
  const details = createDetailsParts({
    store: deps.store,
    officeCode: deps.officeCode,
    ...(deps.printing ? { officeName: deps.printing.officeName, timeZone: deps.printing.timeZone } : {}),
    ...(deps.registrationRules ? { rules: deps.registrationRules } : {}),
    ...(deps.fingerprints ? { fingerprints: deps.fingerprints } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });
  app.addHook('onClose', async () => details.close());
  await app.register(registrationRoutes, {
    store: deps.store,
    bus: deps.bus,
    scans: deps.scans,
    officeCode: deps.officeCode,
    ...(deps.now ? { now: deps.now } : {}),
    finalizeCheck: (id) => details.completeness.assertComplete(id),
    // Finalize builds the FinalizedRecordV1 from the details and the vault in the finalize transaction.
    finalizer: createFinalizeService({ store: deps.store, details: details.details }),
    counter: details.counter,
    approvals: details.approvals,
  });
  await app.register(detailsRoutes, { store: deps.store, ...details, ...(deps.auth?.lockout ? { lockout: deps.auth.lockout } : {}), ...(deps.now ? { now: deps.now } : {}) });
  await app.register(deviceRoutes, { mrz: deps.mrz, devices, scans: deps.scans });
  if (deps.sync) await app.register(syncRoutes, { sync: deps.sync });
  if (deps.fingerprints) await app.register(fingerprintRoutes, { ...deps.fingerprints, requireRole: requireRoleOrApproval(details.approvals) });
  if (deps.reference) await app.register(referenceRoutes, { reference: deps.reference });
  if (deps.recruitment) await app.register(recruitmentRoutes, deps.recruitment.routeOptions());
  if (deps.chip) await app.register(chipRoutes, { store: deps.store, feature: deps.chip.feature, service: deps.chip.service, trust: deps.chip.trust });
  if (deps.printing) {
    const printing = deps.printing;
    await app.register(printingRoutes, { printing, reader: barcodeReader });
    const chip = deps.chip;
    await app.register(documentRoutes, {
      store: deps.store,
      printing,
      officeCode: deps.officeCode,
      details: details.details,
      ...(deps.now ? { now: deps.now } : {}),
      ...(chip ? { chipSlip: (id: string) => chip.service.slip(id) } : {}),
    });
  }
  await app.register(barcodeRoutes, { reader: barcodeReader, ...(deps.printing ? { verifyReceipt: (qr: string) => (deps.printing as PrintingService).verify(qr) } : {}), ...(deps.now ? { now: deps.now } : {}) });
  await app.register(uiStatic, { allowedHosts });
  return app;
}
