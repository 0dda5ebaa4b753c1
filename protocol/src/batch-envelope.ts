/**
 * The signed envelope of one send attempt, and the central's signed answers. Pure (node:crypto only).
 *
 * Attempt (appliance → central), headers beside the batch's own `x-signature` over the body:
 *   x-batch-id          the batch's uuid (must equal the body's batchId)
 *   x-content-sha256    hex SHA-256 of the exact body bytes (checked against the body by the central)
 *   x-attempt-at        milliseconds since the Unix epoch when this attempt was made (decimal)
 *   x-nonce             16 random bytes, base64url (22 characters), new for every attempt
 *   x-attempt-signature base64 Ed25519 by the device key over attemptText(): binds time and nonce
 *                       to this body. The central refuses attempts outside its window (clock) and
 *                       nonces it has seen (replay); the frozen records inside stay idempotent by id.
 *
 * Answer (central → appliance): `x-central-signature` = base64 Ed25519 by the central's key (handed
 * to the appliance at enrolment) over answerText(): the purpose, the request it answers (device,
 * nonce or request signature, batch id, body hash), the status and the SHA-256 of the exact answer
 * bytes. An answer that changes the appliance's state (an acknowledgement, a refusal that quarantines,
 * a reference page, an enrolment) counts only when this signature verifies with the pinned key.
 */
import { createPrivateKey, createPublicKey, type KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { sha256Hex } from './batch-frame.ts';

export { sha256Hex };

export const HEADER_BATCH_ID = 'x-batch-id';
export const HEADER_CONTENT_SHA256 = 'x-content-sha256';
export const HEADER_ATTEMPT_AT = 'x-attempt-at';
export const HEADER_NONCE = 'x-nonce';
export const HEADER_ATTEMPT_SIGNATURE = 'x-attempt-signature';
export const HEADER_CENTRAL_SIGNATURE = 'x-central-signature';

/** ±5 minutes by default: an appliance that corrected its clock from the central's Date header is well inside. */
export const DEFAULT_ATTEMPT_WINDOW_MS = 5 * 60_000;

export const NONCE_SHAPE = /^[A-Za-z0-9_-]{22}$/;
export const SHA256_SHAPE = /^[0-9a-f]{64}$/;
export const ATTEMPT_AT_SHAPE = /^\d{1,16}$/;
export const SIGNATURE_SHAPE = /^[A-Za-z0-9+/]{86}==$/;

/** What the answer signature binds to; each purpose has its own tag so no signature serves another. */
export type AnswerPurpose = 'batch' | 'reference-page' | 'enrolment' | 'lookup' | 'lookup-index' | 'print-reseal' | 'recruitment-events';

export interface AttemptFields {
  deviceId: string;
  batchId: string;
  contentSha256: string;
  attemptAt: number;
  nonce: string;
}

export function newNonce(): string {
  return randomBytes(16).toString('base64url');
}

export function attemptText(a: AttemptFields): Buffer {
  return Buffer.from(JSON.stringify(['zlmc-batch-attempt-v1', a.deviceId, a.batchId, a.contentSha256, String(a.attemptAt), a.nonce]), 'utf8');
}

function keyOf(key: KeyObject | string, kind: 'private' | 'public'): KeyObject {
  if (typeof key !== 'string') return key;
  return kind === 'private' ? createPrivateKey(key) : createPublicKey(key);
}

/** The attempt headers for one send; a new nonce each call. */
export function attemptHeaders(a: Omit<AttemptFields, 'nonce'> & { nonce?: string }, privateKey: KeyObject | string): Record<string, string> {
  const fields: AttemptFields = { ...a, nonce: a.nonce ?? newNonce() };
  return {
    [HEADER_BATCH_ID]: fields.batchId,
    [HEADER_CONTENT_SHA256]: fields.contentSha256,
    [HEADER_ATTEMPT_AT]: String(fields.attemptAt),
    [HEADER_NONCE]: fields.nonce,
    [HEADER_ATTEMPT_SIGNATURE]: sign(null, attemptText(fields), keyOf(privateKey, 'private')).toString('base64'),
  };
}

/** True only for a well-formed signature that verifies; never throws. */
export function verifySignature(text: Uint8Array, signatureBase64: string, publicKey: KeyObject | string): boolean {
  if (!SIGNATURE_SHAPE.test(signatureBase64)) return false;
  try {
    const key = keyOf(publicKey, 'public');
    if (key.asymmetricKeyType !== 'ed25519') return false;
    return verify(null, text, key, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}

export function verifyAttempt(a: AttemptFields, signatureBase64: string, publicKey: KeyObject | string): boolean {
  return verifySignature(attemptText(a), signatureBase64, publicKey);
}

/**
 * The request side of an answer: who asked (device), which attempt (nonce, or the request's own
 * signature for a GET), and what it carried (batch id and body hash; empty strings where the request has none).
 */
export interface AnswerBinding {
  purpose: AnswerPurpose;
  deviceId: string;
  /** The attempt's nonce (batches) or the request's x-signature (reference pulls, enrolment body hash). */
  requestTag: string;
  batchId: string;
  contentSha256: string;
}

export function answerText(b: AnswerBinding, status: number, answerBytes: Uint8Array | string): Buffer {
  return Buffer.from(
    JSON.stringify([`zlmc-answer-v1:${b.purpose}`, b.deviceId, b.requestTag, b.batchId, b.contentSha256, String(status), sha256Hex(answerBytes)]),
    'utf8',
  );
}

export function signAnswer(b: AnswerBinding, status: number, answerBytes: Uint8Array | string, centralPrivateKey: KeyObject | string): string {
  return sign(null, answerText(b, status, answerBytes), keyOf(centralPrivateKey, 'private')).toString('base64');
}

/** The answer is the central's, for exactly this request, status and bytes. */
export function verifyAnswer(b: AnswerBinding, status: number, answerBytes: Uint8Array | string, signatureBase64: string | undefined, centralPublicKey: KeyObject | string): boolean {
  if (typeof signatureBase64 !== 'string') return false;
  return verifySignature(answerText(b, status, answerBytes), signatureBase64, centralPublicKey);
}
