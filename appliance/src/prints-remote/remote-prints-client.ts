/**
 * Cross-office verification, the appliance's side of the link (issue #16 item 3): asks the central for the templates
 * of a registration made at another office (`GET /api/v1/prints/templates`, protocol/src/prints-api.ts) with a
 * signed request, as reference pulls do; accepts the answer only when it carries the pinned central key's signature
 * bound to this request; opens each template with this appliance's X25519 key (keys/encryption-key.ts), bound to
 * (this device, the registration, the finger, the format, this request). The templates stay in memory for one
 * verification on the sensor; nothing is stored or logged.
 */
import type { KeyObject } from 'node:crypto';
import { HEADER_CENTRAL_SIGNATURE, verifyAnswer } from '@lmc/protocol/batch-envelope.ts';
import { hpkeOpen, RESEAL_INFO, resealAad } from '@lmc/protocol/print-seal.ts';
import { PRINT_TEMPLATES_PATH, printTemplatesQuery, type ResealedTemplates } from '@lmc/protocol/prints-api.ts';
import { HEADER_SIGNATURE, signRequest } from '@lmc/protocol/reference-feed.ts';
import { CentralLink, centralError, jsonOf, linkOptions } from '../central-link/central-link.ts';
import type { SignedClientOptions } from '../central-link/signed-client-options.ts';
import { ApplianceErrors, ApplianceError } from '../errors.ts';
import type { FingerName } from '../fingerprints/fingers.ts';
import type { ReferenceTemplate } from '../fingerprints/template-vault.ts';

/** The whole exchange is small (a few KB of templates): a short responseTimeoutMs will do. */
export interface RemotePrintsClientOptions extends SignedClientOptions {
  /** This appliance's X25519 key (what the central re-seals to); null: enrolled before it had one. */
  encryptionKey: { privateKey: KeyObject; keyId: string } | null;
}

export interface RemoteTemplates {
  registrationId: string;
  officeCode: string;
  finalizedAt: string;
  references: ReferenceTemplate[];
}

const MAX_ANSWER_BYTES = 256 * 1024;

export class RemotePrintsClient {
  readonly #o: RemotePrintsClientOptions;
  readonly #link: CentralLink;
  readonly #now: () => number;

  constructor(options: RemotePrintsClientOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#link = new CentralLink(linkOptions(options, PRINT_TEMPLATES_PATH, ApplianceErrors.REMOTE_PRINTS_NOT_ENROLLED.code));
  }

  /** The registration's templates, opened; coded REMOTE_PRINTS_* errors otherwise. */
  async fetchTemplates(registrationId: string): Promise<RemoteTemplates> {
    const { centralKey, encryptionKey, identity } = this.#o;
    if (!centralKey || !encryptionKey) {
      throw new ApplianceError(
        ApplianceErrors.REMOTE_PRINTS_NOT_ENROLLED.code,
        !centralKey
          ? "This appliance is not enrolled at a central: earlier prints from other offices cannot be fetched."
          : 'This appliance was enrolled before it had an encryption key: re-enrol it (lmc-provision enrol --rekey) to verify against prints from other offices.',
      );
    }
    const query = printTemplatesQuery(registrationId);
    const headers = signRequest({ method: 'GET', path: PRINT_TEMPLATES_PATH, query, deviceId: identity.deviceId, timestamp: this.#now() }, identity.privateKey);
    const raw = await this.#link.request({ method: 'GET', suffix: `?${query}`, headers: { ...headers, accept: 'application/json' }, maxBodyBytes: MAX_ANSWER_BYTES, overflow: 'refuse' });
    const unavailable = (message: string, context: Record<string, unknown> = {}) => new ApplianceError(ApplianceErrors.REMOTE_PRINTS_UNAVAILABLE.code, message, { registrationId, ...context });
    if (raw.kind === 'unavailable') throw unavailable(`The central cannot be reached for the earlier prints (${raw.reason}); verify again when the link is back.`, { reason: raw.reason });
    const json = jsonOf(raw.body.toString('utf8'));
    if (raw.status !== 200) {
      const { code, message } = centralError(raw.status, json);
      if (raw.status >= 500) throw unavailable(`The central could not answer (${code}).`, { centralCode: code });
      throw new ApplianceError(ApplianceErrors.REMOTE_PRINTS_REFUSED.code, `The central did not hand the earlier prints over: ${message}`, { registrationId, centralCode: code, status: raw.status });
    }
    const requestTag = headers[HEADER_SIGNATURE] ?? '';
    const signature = raw.headers[HEADER_CENTRAL_SIGNATURE];
    const binding = { purpose: 'print-reseal' as const, deviceId: identity.deviceId, requestTag, batchId: '', contentSha256: '' };
    if (!verifyAnswer(binding, 200, raw.body, Array.isArray(signature) ? signature[0] : signature, centralKey)) {
      throw unavailable('The answer is not signed by the pinned central key for this request: not used.', { reason: 'bad-signature' });
    }
    const answer = json as ResealedTemplates | undefined;
    if (!answer || answer.registrationId !== registrationId || !Array.isArray(answer.templates)) throw unavailable('The central answered with something else than the templates asked for.');
    const references: ReferenceTemplate[] = [];
    for (const t of answer.templates) {
      if (t.keyId !== encryptionKey.keyId) throw unavailable('The templates are sealed to another key than this appliance\'s.', { reason: 'key-mismatch' });
      const aad = resealAad({ deviceId: identity.deviceId, registrationId, finger: t.finger, templateFormat: t.templateFormat, requestTag });
      try {
        const template = await hpkeOpen(encryptionKey.privateKey, Buffer.from(t.enc, 'base64'), RESEAL_INFO, aad, Buffer.from(t.ct, 'base64'));
        references.push({ finger: t.finger as FingerName, templateFormat: t.templateFormat, template });
      } catch {
        throw unavailable('A template from the central does not open with this appliance\'s key.', { reason: 'open-failed', finger: t.finger });
      }
    }
    return { registrationId, officeCode: answer.officeCode, finalizedAt: answer.finalizedAt, references };
  }

  async close(): Promise<void> {
    await this.#link.close();
  }
}
