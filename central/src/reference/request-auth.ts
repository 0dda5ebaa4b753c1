/**
 * Authenticating a signed device request (protocol.ts) against the device directory: enrolled and
 * not revoked, signature over the canonical request, timestamp within the skew window. The checks
 * run cheapest first; the signature is checked before the clock so a forger learns nothing from
 * the answer. An unknown device is checked against a decoy key and gets the same DEVICE_AUTH_FAILED
 * as a bad signature, so the answer does not tell which device ids are enrolled.
 */
import type { FastifyRequest } from 'fastify';
import { DECOY_PUBLIC_KEY, deviceAuthFailed } from '../devices/device-auth.ts';
import type { DeviceDirectory, EnrolledDevice } from '../devices/device-directory.ts';
import { CentralErrorCodes, centralError, CentralErrors } from '../errors.ts';
import { HEADER_DEVICE_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, verifyRequest } from '@lmc/protocol/reference-feed.ts';

/** ±5 minutes: wide enough for an appliance that synced its clock days ago, narrow enough to age out captures. */
export const DEFAULT_MAX_SKEW_MS = 5 * 60_000;

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export interface VerifyOptions {
  devices: DeviceDirectory;
  /** The API path the client signed (a constant of protocol.ts). */
  path: string;
  maxSkewMs: number;
  now: () => number;
}

export async function authenticateDeviceRequest(request: FastifyRequest, o: VerifyOptions): Promise<EnrolledDevice> {
  const deviceId = header(request, HEADER_DEVICE_ID);
  const signature = header(request, HEADER_SIGNATURE);
  const timestampText = header(request, HEADER_TIMESTAMP);
  if (!deviceId || !signature || !timestampText) {
    throw centralError(CentralErrorCodes.AuthMissing, `${HEADER_DEVICE_ID}, ${HEADER_TIMESTAMP} and ${HEADER_SIGNATURE} headers are required`);
  }
  const device = await o.devices.find(deviceId);
  const timestamp = /^\d{1,16}$/.test(timestampText) ? Number(timestampText) : Number.NaN;
  const q = request.url.indexOf('?');
  const query = q === -1 ? '' : request.url.slice(q + 1);
  const parts = { method: request.method, path: o.path, query, deviceId, timestamp };
  const verified = verifyRequest(parts, signature, device?.publicKey ?? DECOY_PUBLIC_KEY);
  if (!device) throw deviceAuthFailed(CentralErrorCodes.DeviceUnknown, deviceId);
  if (Number.isNaN(timestamp) || !verified) throw deviceAuthFailed(CentralErrorCodes.SignatureInvalid, deviceId);
  const skew = timestamp - o.now();
  if (Math.abs(skew) > o.maxSkewMs) {
    throw centralError(CentralErrors.REFERENCE_CLOCK_SKEW.code, `Request time is ${Math.round(skew / 1000)} s off the central clock (allowed ±${o.maxSkewMs / 1000} s); see the Date header`, {
      deviceId,
    });
  }
  return device;
}
