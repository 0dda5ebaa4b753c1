/**
 * POST /api/registrations/:id/fingerprints/verify-remote {againstRegistrationId} — "verify against the earlier
 * print": a returning migrant registered at another office (the registration id comes from the cross-office
 * lookup) is verified 1:1 on this counter's sensor against that registration's templates, which the central opens
 * and re-seals for this appliance (remote-prints-client.ts). The central audits the access; this appliance audits
 * the verification (decision, scores, the other office; no biometric data), as for a local verification.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Logger } from '@lmc/core/logger.ts';
import { requireOfficer } from '../auth/index.ts';
import type { ApplianceConfig } from '../config/schema.ts';
import { ApplianceErrors, ApplianceError } from '../errors.ts';
import { FingerSchema } from '../fingerprints/fingerprint-config.ts';
import type { FingerprintService } from '../fingerprints/fingerprint-service.ts';
import { ErrorSchema, Uuid } from '../http/schemas.ts';
import type { CentralTrust } from '../keys/central-trust.ts';
import { loadDeviceEncryptionKey } from '../keys/encryption-key.ts';
import type { ApplianceIdentity } from '../keys/identity.ts';
import { RemotePrintsClient } from './remote-prints-client.ts';

export const VERIFY_REMOTE_PATH = '/api/registrations/:id/fingerprints/verify-remote';

export interface RemotePrintsSource {
  fetchTemplates: RemotePrintsClient['fetchTemplates'];
  close(): Promise<void>;
}

export interface RemoteVerifyRoutesOptions {
  service: FingerprintService;
  /** Null: forwarding is not configured (no central.url): the route answers REMOTE_PRINTS_NOT_ENROLLED. */
  remote: RemotePrintsSource | null;
}

/** The client from the appliance's configuration and the keys pinned at enrolment. */
export function remotePrintsSource(o: { config: ApplianceConfig; identity: ApplianceIdentity; trust: CentralTrust; logger: Logger }): RemotePrintsSource | null {
  if (o.config.central.url === '') return null;
  let encryptionKey: ReturnType<typeof loadDeviceEncryptionKey>;
  try {
    encryptionKey = loadDeviceEncryptionKey(o.config.dataDir);
  } catch (err) {
    o.logger.error({ code: (err as { code?: string }).code }, 'the appliance encryption key cannot be read: no cross-office verification');
    encryptionKey = undefined;
  }
  return new RemotePrintsClient({
    url: o.config.central.url,
    identity: o.identity,
    encryptionKey: encryptionKey ? { privateKey: encryptionKey.privateKey, keyId: encryptionKey.keyId } : null,
    centralKey: o.trust.publicKey,
    pinnedTlsPem: o.trust.tlsPem,
    allowInsecureHttp: o.config.central.allowInsecureHttp ?? false,
    connectTimeoutMs: o.config.central.connectTimeoutMs,
    responseTimeoutMs: o.config.central.responseTimeoutMs,
  });
}

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 503: ErrorSchema };

export const remoteVerifyRoutes: FastifyPluginAsyncTypebox<RemoteVerifyRoutesOptions> = async (app, opts) => {
  app.addHook('onClose', async () => opts.remote?.close());
  app.post(
    VERIFY_REMOTE_PATH,
    {
      config: { access: 'officer' },
      schema: {
        summary: 'Returning migrant registered at another office: capture live and match on the sensor against the earlier print, fetched from the central',
        description:
          'The central opens the earlier registration\'s templates and re-seals them for this appliance (signed request and answer; the central audits the access). ' +
          'Answers when done, like /verify. 409 REMOTE_PRINTS_NOT_ENROLLED when this appliance has no central or no encryption key, ' +
          '409 REMOTE_PRINTS_REFUSED when the central does not hand them over, 503 REMOTE_PRINTS_UNAVAILABLE when it cannot be reached or its answer does not verify.',
        tags: ['fingerprints'],
        params: Type.Object({ id: Uuid }),
        body: Type.Object({ againstRegistrationId: Uuid }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            workflowId: Uuid,
            registrationId: Uuid,
            againstRegistrationId: Uuid,
            againstOffice: Type.String(),
            decision: Type.Union([Type.Literal('match'), Type.Literal('no-match')]),
            comparisons: Type.Array(Type.Object({ finger: FingerSchema, quality: Type.Integer(), match: Type.Boolean(), score: Type.Integer() })),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const officer = requireOfficer(request);
      const { againstRegistrationId } = request.body;
      const remote = opts.remote;
      if (!remote) throw new ApplianceError(ApplianceErrors.REMOTE_PRINTS_NOT_ENROLLED.code, 'Forwarding to a central is not configured on this appliance.');
      const fetched = await remote.fetchTemplates(againstRegistrationId);
      try {
        const outcome = await opts.service.verifyAgainst(request.params.id, officer.officerId, {
          id: againstRegistrationId,
          references: fetched.references,
          officeCode: fetched.officeCode,
        });
        return { ...outcome, againstOffice: fetched.officeCode };
      } finally {
        for (const r of fetched.references) r.template.fill(0);
      }
    },
  );
};
