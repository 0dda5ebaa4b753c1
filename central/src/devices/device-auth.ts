/**
 * The one refusal for device authentication. An unknown (or revoked) device id and a signature that
 * does not verify get the same status, code and message, and cost about the same time: the unknown
 * case verifies against a throwaway key instead of answering at once. The real reason goes to the
 * log and the auditors' rejection counts (context.reason), never to the client.
 */
import { generateKeyPairSync, type KeyObject, verify } from 'node:crypto';
import type { ApplianceError } from '@lmc/core/errors.ts';
import { CentralErrorCodes, centralError } from '../errors.ts';

export type DeviceAuthFailure = typeof CentralErrorCodes.DeviceUnknown | typeof CentralErrorCodes.SignatureInvalid;

/** A key no device holds: every verification against it fails, after the same work as a real one. */
export const DECOY_PUBLIC_KEY: KeyObject = generateKeyPairSync('ed25519').publicKey;

const DECOY_SIGNATURE = Buffer.alloc(64, 1);

/** One Ed25519 verification that always fails: the fixed cost of a real check. */
export function decoyVerify(message: Buffer): void {
  try {
    verify(null, message, DECOY_PUBLIC_KEY, DECOY_SIGNATURE);
  } catch {
    // A failure is the point.
  }
}

export function deviceAuthFailed(reason: DeviceAuthFailure, deviceId?: string): ApplianceError {
  return centralError(CentralErrorCodes.DeviceAuthFailed, 'Device authentication failed', { reason, ...(deviceId ? { deviceId } : {}) });
}

/** The reason to log for a refused request: context.reason of a DEVICE_AUTH_FAILED, else the code. */
export function refusalReason(err: unknown, code: string): string {
  const reason = (err as { context?: { reason?: unknown } }).context?.reason;
  return typeof reason === 'string' ? reason : code;
}
