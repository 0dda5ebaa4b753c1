/**
 * The CLI's HTTP calls to the central (enrolment contract in protocol/src/enrolment.ts).
 * Every failure becomes a coded error: unreachable (network, timeout) or refused (with the central's code).
 */
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

export interface CentralApiOptions {
  url: string;
  timeoutMs?: number;
}

export function centralEndpoint(base: string, path: string): string {
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    throw provisioningError(ProvisioningErrorCodes.UsageInvalid, `central URL "${base}" is not a valid URL (expected e.g. https://central.example.org/)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw provisioningError(ProvisioningErrorCodes.UsageInvalid, `central URL must be http:// or https://, got ${u.protocol}`);
  }
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}${path}`;
}

async function call<T>(o: CentralApiOptions, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ value: T; dateHeader: string | null }> {
  const url = centralEndpoint(o.url, path);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw provisioningError(ProvisioningErrorCodes.CentralUnreachable, `the central at ${o.url} cannot be reached (${cause})`, { url: o.url, cause });
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const b = (json ?? {}) as { code?: unknown; message?: unknown };
    const code = typeof b.code === 'string' ? b.code : `HTTP_${res.status}`;
    const message = typeof b.message === 'string' ? b.message : `HTTP ${res.status}`;
    throw provisioningError(ProvisioningErrorCodes.CentralRefused, `the central refused: ${code}: ${message}`, { centralCode: code, status: res.status });
  }
  if (json === undefined) throw provisioningError(ProvisioningErrorCodes.CentralUnreachable, `the central at ${o.url} did not answer JSON`, { url: o.url });
  return { value: json as T, dateHeader: res.headers.get('date') };
}

export async function postEnrolment(o: CentralApiOptions, body: EnrolBody): Promise<EnrolResponse> {
  return (await call<EnrolResponse>(o, 'POST', ENROLMENT_PATH, body)).value;
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
  const { value, dateHeader } = await call<{ now?: string }>(o, 'GET', TIME_PATH);
  const t1 = now();
  const central = Date.parse(value.now ?? dateHeader ?? '');
  if (!Number.isFinite(central)) throw provisioningError(ProvisioningErrorCodes.CentralUnreachable, 'the central did not report its time');
  return { driftMs: Math.round(central - (t0 + t1) / 2), roundTripMs: t1 - t0 };
}
