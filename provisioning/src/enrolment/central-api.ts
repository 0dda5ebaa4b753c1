/**
 * The CLI's HTTP calls to the central (enrolment contract in protocol/src/enrolment.ts).
 * Every failure becomes a coded error: unreachable (network, timeout), untrusted (TLS), insecure (http://) or
 * refused (with the central's code).
 *
 * TLS (issue #13): https:// only, unless `allowInsecureHttp` (the development flag, named as the appliance's
 * `central.allowInsecureHttp`). The central is trusted through exactly one of:
 * - `pinnedTlsPem`: certificate(s) already pinned (the appliance's keys/central-tls.pem, or a CA file the technician
 *   gave with --ca-file): the same undici connect options the appliance uses (central-link.ts pinnedTls);
 * - `certSha256`: the SHA-256 fingerprint of the central's own (self-signed) certificate, as the central logs it at
 *   start and `enrolment-code` prints it beside the code. The certificate presented is read, compared, and then
 *   pinned for the request itself (a second server on the way cannot slip in between: the request's connection
 *   accepts only that certificate);
 * - neither: the system's CAs. A certificate they do not trust (a self-signed central) is refused, and the message
 *   gives its fingerprint for the technician to compare with the one the administrator sent.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Agent, request } from 'undici';
import { networkReason, pinnedTls } from '@lmc/appliance/central-link/central-link.ts';
import {
  DECOMMISSION_PATH,
  type DecommissionBody,
  type DecommissionResponse,
  ENROLMENT_PATH,
  type EnrolBody,
  type EnrolResponse,
  TIME_PATH,
} from '@lmc/protocol/enrolment.ts';
import { ProvisioningErrorCodes, provisioningError } from '../errors.ts';

export interface CentralTrustOptions {
  /** PEM certificate(s) to trust: the central's own, or the CA that issues it. */
  pinnedTlsPem?: string | null;
  /** SHA-256 fingerprint of the central's certificate (colon-separated or plain hex, any case). */
  certSha256?: string;
  /** DEVELOPMENT ONLY: accept an http:// central (as the appliance's central.allowInsecureHttp). */
  allowInsecureHttp?: boolean;
}

export interface CentralApiOptions extends CentralTrustOptions {
  url: string;
  timeoutMs?: number;
}

export function centralEndpoint(base: string, path: string, allowInsecureHttp = false): string {
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    throw provisioningError(ProvisioningErrorCodes.UsageInvalid, `central URL "${base}" is not a valid URL (expected e.g. https://central.example.org/)`);
  }
  if (u.protocol === 'http:' && !allowInsecureHttp) {
    throw provisioningError(
      ProvisioningErrorCodes.CentralInsecure,
      `central URL ${base} is plain http://: registrations, keys and enrolment codes would travel unencrypted. Use the central's https:// address (--allow-insecure-http only for a development central)`,
      { url: base },
    );
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw provisioningError(ProvisioningErrorCodes.UsageInvalid, `central URL must be https://, got ${u.protocol}`);
  }
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}${path}`;
}

/** Fingerprint as `openssl x509 -fingerprint -sha256` and the central's log print it: upper-case, colon-separated. */
export function normaliseFingerprint(text: string): string | undefined {
  const hex = text.replace(/^sha256[:=]/i, '').replace(/[:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return undefined;
  return hex.match(/../g)?.join(':');
}

export interface PresentedCertificate {
  pem: string;
  fingerprint256: string;
}

/** The certificate the server at `url` presents (nothing is trusted or sent: a bare TLS handshake). */
export function readPresentedCertificate(url: string, timeoutMs = 10_000): Promise<PresentedCertificate> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const socket = tlsConnect({
      host,
      port: Number(u.port || 443),
      ...(isIP(host) === 0 ? { servername: host } : {}),
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    });
    const fail = (err: Error) => {
      socket.destroy();
      const cause = networkReason(err);
      reject(provisioningError(ProvisioningErrorCodes.CentralUnreachable, `the central at ${url} cannot be reached (${cause})`, { url, cause }));
    };
    socket.setTimeout(timeoutMs, () => fail(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      if (!raw) return fail(new Error('no certificate'));
      const pem = new X509Certificate(raw).toString();
      resolve({ pem, fingerprint256: new X509Certificate(raw).fingerprint256 });
    });
  });
}

function untrusted(url: string, presented: PresentedCertificate | undefined, why: string): Error {
  const fp = presented?.fingerprint256;
  const advice = fp
    ? `The certificate it presents has SHA-256 fingerprint ${fp}. Compare it with the fingerprint the central's administrator gave you with the enrolment code; only if it is the same, run again with --cert-sha256 ${fp}`
    : 'Ask the central administrator for the certificate fingerprint (--cert-sha256) or the CA file (--ca-file)';
  return provisioningError(ProvisioningErrorCodes.CentralUntrusted, `the central at ${url} is not trusted: ${why}. ${advice}`, { url, ...(fp ? { fingerprint: fp } : {}) });
}

/**
 * The certificate(s) to pin for `o`: the given PEM, or the presented certificate when its fingerprint is the one
 * the technician gave; null for system CAs (or plain http).
 */
export async function resolvePin(o: CentralApiOptions): Promise<string | null> {
  if (!o.url.startsWith('https:')) return null;
  if (o.pinnedTlsPem) return o.pinnedTlsPem;
  if (o.certSha256 === undefined) return null;
  const wanted = normaliseFingerprint(o.certSha256);
  if (!wanted) throw provisioningError(ProvisioningErrorCodes.UsageInvalid, `--cert-sha256 "${o.certSha256}" is not a SHA-256 fingerprint (64 hex digits, colons allowed)`);
  const presented = await readPresentedCertificate(o.url, o.timeoutMs);
  if (presented.fingerprint256 !== wanted) throw untrusted(o.url, presented, `its certificate is not the one with fingerprint ${wanted}`);
  return presented.pem;
}

export interface CentralAnswer<T> {
  value: T;
  status: number;
  /** The answer's exact bytes (what the central's signature covers). */
  bytes: Buffer;
  headers: Record<string, string | string[] | undefined>;
  /** The certificate(s) the request trusted (null: system CAs or http). */
  pinnedTlsPem: string | null;
}

/** One request to the central through the trust `o` names; every failure coded. */
export async function centralRequest(
  o: CentralApiOptions,
  method: 'GET' | 'POST',
  path: string,
  init: { body?: unknown; headers?: Record<string, string>; query?: string } = {},
): Promise<CentralAnswer<unknown> & { ok: boolean }> {
  const url = `${centralEndpoint(o.url, path, o.allowInsecureHttp ?? false)}${init.query ? `?${init.query}` : ''}`;
  const pinned = await resolvePin(o);
  const agent = new Agent({ connect: pinned ? { ...pinnedTls(pinned), minVersion: 'TLSv1.2' } : { minVersion: 'TLSv1.2' } });
  const timeout = o.timeoutMs ?? 10_000;
  try {
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(url, {
        method,
        dispatcher: agent,
        headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: AbortSignal.timeout(timeout + 1000),
      });
    } catch (err) {
      const cause = networkReason(err);
      if (cause === 'tls-untrusted') {
        const presented = await readPresentedCertificate(o.url, timeout).catch(() => undefined);
        throw untrusted(o.url, presented, pinned ? 'its certificate is not the pinned one' : "its certificate is not signed by a CA this system trusts (a self-signed central?)");
      }
      throw provisioningError(ProvisioningErrorCodes.CentralUnreachable, `the central at ${o.url} cannot be reached (${cause})`, { url: o.url, cause });
    }
    const bytes = Buffer.from(await res.body.arrayBuffer());
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      json = undefined;
    }
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    return { ok, value: json, status: res.statusCode, bytes, headers: res.headers, pinnedTlsPem: pinned };
  } finally {
    await agent.close().catch(() => undefined);
  }
}

async function call<T>(o: CentralApiOptions, method: 'GET' | 'POST', path: string, body?: unknown): Promise<CentralAnswer<T>> {
  const r = await centralRequest(o, method, path, body === undefined ? {} : { body });
  if (!r.ok) {
    const b = (r.value ?? {}) as { code?: unknown; message?: unknown };
    const code = typeof b.code === 'string' ? b.code : `HTTP_${r.status}`;
    const message = typeof b.message === 'string' ? b.message : `HTTP ${r.status}`;
    throw provisioningError(ProvisioningErrorCodes.CentralRefused, `the central refused: ${code}: ${message}`, { centralCode: code, status: r.status });
  }
  if (r.value === undefined) throw provisioningError(ProvisioningErrorCodes.CentralUnreachable, `the central at ${o.url} did not answer JSON`, { url: o.url });
  return r as CentralAnswer<T>;
}

export async function postEnrolment(o: CentralApiOptions, body: EnrolBody): Promise<CentralAnswer<EnrolResponse>> {
  return call<EnrolResponse>(o, 'POST', ENROLMENT_PATH, body);
}

export async function postDecommission(o: CentralApiOptions, body: DecommissionBody): Promise<DecommissionResponse> {
  return (await call<DecommissionResponse>(o, 'POST', DECOMMISSION_PATH, body)).value;
}

export interface ClockReading {
  /** central − local, in ms, at the midpoint of the round trip. */
  driftMs: number;
  roundTripMs: number;
}

/** Clock drift against the central's /time route (falls back to the Date header's 1 s resolution). */
export async function readCentralClock(o: CentralApiOptions, now: () => number = Date.now): Promise<ClockReading> {
  const t0 = now();
  const { value, headers } = await call<{ now?: string }>(o, 'GET', TIME_PATH);
  const t1 = now();
  const dateHeader = headers.date;
  const central = Date.parse(value.now ?? (Array.isArray(dateHeader) ? dateHeader[0] : dateHeader) ?? '');
  if (!Number.isFinite(central)) throw provisioningError(ProvisioningErrorCodes.CentralUnreachable, 'the central did not report its time');
  return { driftMs: Math.round(central - (t0 + t1) / 2), roundTripMs: t1 - t0 };
}
