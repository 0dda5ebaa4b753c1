/**
 * The HTTP side of reference pulls: signed GETs of pages (protocol/src/reference-feed.ts) over one kept-alive
 * connection to the central, through the appliance's one signed exchange (central-link/signed-central.ts: pinned
 * key check, clock correction from a REFERENCE_CLOCK_SKEW refusal, gzip), every way a pull can end classified into
 * one PullOutcome. Nothing the network or the central does reaches the caller as an exception.
 */
import { REFERENCE_PATH, referenceQuery } from '@lmc/protocol/reference-feed.ts';
import type { CentralLink } from '../central-link/central-link.ts';
import { type CentralOutcome, keyMissing, SignedCentral, signedAs } from '../central-link/signed-central.ts';
import type { SignedClientOptions } from '../central-link/signed-client-options.ts';
import { ApplianceErrors } from '../errors.ts';

/** A page; rejected: 400/404, the central does not understand the request (older central, bad parameters). */
export type PullOutcome = CentralOutcome<{ kind: 'page'; page: unknown }>;

/** The pull loop's view of the central: the undici client below, or a fake in unit tests. */
export interface ReferenceTransport {
  fetchPage(since: number, limit: number): Promise<PullOutcome>;
  close(): Promise<void>;
}

export interface ReferenceClientOptions extends SignedClientOptions {
  /** Largest decompressed page accepted. */
  maxResponseBytes?: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
const CLOCK_SKEW_CODE = 'REFERENCE_CLOCK_SKEW';

export class ReferenceClient implements ReferenceTransport {
  readonly #central: SignedCentral;
  readonly #link: CentralLink;
  readonly #maxBytes: number;

  constructor(options: ReferenceClientOptions) {
    this.#central = new SignedCentral(options, ApplianceErrors.REFERENCE_CENTRAL_URL_INVALID.code);
    this.#link = this.#central.link(REFERENCE_PATH);
    this.#maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  /** Central clock minus ours, learnt from a skew refusal. */
  get clockOffsetMs(): number {
    return this.#central.clockOffsetMs;
  }

  async fetchPage(since: number, limit: number): Promise<PullOutcome> {
    const query = referenceQuery(since, limit);
    const r = await this.#central.exchange(
      {
        link: this.#link,
        // The page as it came (compressed or not) must be the central's answer to this very request.
        sign: signedAs('reference-page', 'GET', REFERENCE_PATH, query),
        request: { method: 'GET', suffix: `?${query}`, headers: { accept: 'application/json' }, maxBodyBytes: this.#maxBytes, overflow: 'refuse' },
        gzip: true,
        clockRefusal: { code: CLOCK_SKEW_CODE },
      },
      // 400/404: the central does not understand the request (older central, bad parameters); signed or not.
      { rejected: [400, 404], signedRejections: false },
    );
    if (r.kind === 'no-key') return keyMissing();
    return r.kind === 'ok' ? { kind: 'page', page: r.value } : r;
  }

  /** Drops the connection, aborting a pull in flight (the page is simply asked for again). */
  async close(): Promise<void> {
    await this.#central.close();
  }
}
