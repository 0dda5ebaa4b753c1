/**
 * The appliance's side of the cross-office lookup (protocol/src/lookup.ts): signed GETs to the central (like
 * reference pulls: x-device-id, x-timestamp, x-signature), answers accepted only when signed by the pinned central
 * key for this very request (central-link/signed-central.ts). Two connections: one for the counter's online lookups,
 * one for the index pulls, so a large index page on a slow link never holds up a migrant at the counter. Nothing
 * the network or the central does reaches the caller as an exception.
 *
 * Clock: a REFERENCE_CLOCK_SKEW refusal (the central authenticates these requests as it does reference pulls) is
 * corrected from the central's Date header and retried once, as for reference pulls.
 */
import type { AnswerPurpose } from '@lmc/protocol/batch-envelope.ts';
import { indexQuery, LOOKUP_INDEX_PATH, LOOKUP_PATH, type LookupAnswer, type LookupIndexPage, lookupQuery } from '@lmc/protocol/lookup.ts';
import type { CentralLink, UnavailableReason } from '../central-link/central-link.ts';
import { type Refusal, SignedCentral, signedAs } from '../central-link/signed-central.ts';
import type { SignedClientOptions } from '../central-link/signed-client-options.ts';
import { ApplianceErrors } from '../errors.ts';

const CLOCK_SKEW_CODE = 'REFERENCE_CLOCK_SKEW';
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

export type Fetched<T> =
  | { kind: 'ok'; value: T }
  | Refusal<'refused'>
  | { kind: 'unavailable'; reason: UnavailableReason | 'no-key'; message: string };

/** What the lookup service needs of the central; the undici client below, or a fake in unit tests. */
export interface LookupTransport {
  lookup(hash: string, timeoutMs: number): Promise<Fetched<LookupAnswer>>;
  indexPage(since: number, limit: number): Promise<Fetched<LookupIndexPage>>;
  close(): Promise<void>;
}

export type LookupClientOptions = SignedClientOptions;

export class LookupClient implements LookupTransport {
  readonly #central: SignedCentral;
  readonly #counter: CentralLink;
  readonly #index: CentralLink;
  readonly #responseTimeoutMs: number;

  constructor(o: LookupClientOptions) {
    this.#central = new SignedCentral(o, ApplianceErrors.REFERENCE_CENTRAL_URL_INVALID.code);
    this.#counter = this.#central.link(LOOKUP_PATH, { connectTimeoutMs: Math.min(o.connectTimeoutMs, 2000) });
    this.#index = this.#central.link(LOOKUP_INDEX_PATH);
    this.#responseTimeoutMs = o.responseTimeoutMs;
  }

  lookup(hash: string, timeoutMs: number): Promise<Fetched<LookupAnswer>> {
    return this.#get<LookupAnswer>(this.#counter, LOOKUP_PATH, lookupQuery(hash), 'lookup', timeoutMs);
  }

  indexPage(since: number, limit: number): Promise<Fetched<LookupIndexPage>> {
    return this.#get<LookupIndexPage>(this.#index, LOOKUP_INDEX_PATH, indexQuery(since, limit), 'lookup-index', this.#responseTimeoutMs);
  }

  async #get<T>(link: CentralLink, path: string, query: string, purpose: AnswerPurpose, timeoutMs: number): Promise<Fetched<T>> {
    const r = await this.#central.exchange(
      {
        link,
        sign: signedAs(purpose, 'GET', path, query),
        request: { method: 'GET', suffix: `?${query}`, headers: { accept: 'application/json' }, maxBodyBytes: MAX_ANSWER_BYTES, overflow: 'refuse', responseTimeoutMs: timeoutMs },
        gzip: true,
        clockRefusal: { code: CLOCK_SKEW_CODE, statuses: [401] },
      },
      // Any answer below 500 but a 200 is the central's refusal; 5xx: unavailable.
      { rejected: (status) => status < 500, signedRejections: false },
    );
    switch (r.kind) {
      case 'no-key':
        return { kind: 'unavailable', reason: 'no-key', message: "the central's public key is not pinned: enrol this appliance" };
      case 'ok':
        return { kind: 'ok', value: r.value as T };
      case 'rejected':
      case 'unauthorised':
        return { kind: 'refused', status: r.status, code: r.code, message: r.message };
      default:
        return r;
    }
  }

  async close(): Promise<void> {
    await this.#central.close();
  }
}
