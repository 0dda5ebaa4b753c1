/**
 * The enrolment wire contract, shared by the central routes (central/src/routes/enrolment.ts) and the
 * technicians' CLI (provisioning/src/enrolment/): paths, bodies, and the exact bytes each Ed25519
 * signature covers. Every signed text starts with a purpose tag, so a signature made for one purpose
 * (enrolment, replacement, decommission, a batch) can never be replayed as another.
 */
import { createPrivateKey, type KeyObject, sign, verify } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';

export const ENROLMENT_PATH = '/api/v1/enrolment';
export const DECOMMISSION_PATH = '/api/v1/enrolment/decommission';
export const ENROLMENT_CODES_PATH = '/api/v1/admin/enrolment-codes';
export const TIME_PATH = '/api/v1/time';

/** A decommission request older or newer than this is refused (replay window; clocks may drift a little). */
export const DECOMMISSION_MAX_SKEW_MS = 10 * 60_000;

const OfficeCode = Type.String({ pattern: '^[A-Z0-9]{2,8}$', description: 'office code, e.g. BBR' });
const DeviceId = Type.String({ pattern: '^[\\x21-\\x7e]{1,128}$' });
const Pem = Type.String({ minLength: 40, maxLength: 4096 });
const Signature = Type.String({ minLength: 40, maxLength: 200, description: 'base64 Ed25519 signature' });
/** A raw 32-byte X25519 public key in base64 (issue #16: prints sealed to the central, templates re-sealed to an appliance). */
const X25519Key = Type.String({ pattern: '^[A-Za-z0-9+/]{43}=$', description: 'raw X25519 public key, base64' });

export const IssueCodeBody = Type.Object(
  {
    officeCode: OfficeCode,
    ttlMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 24 * 60, description: 'default 24 h' })),
  },
  { additionalProperties: false },
);
export const IssueCodeResponse = Type.Object({ code: Type.String(), officeCode: Type.String(), expiresAt: Type.String() });

export const EnrolBody = Type.Object(
  {
    code: Type.String({ minLength: 4, maxLength: 64 }),
    deviceId: DeviceId,
    publicKeyPem: Pem,
    /** Proof of possession: signature by the new key over enrolmentText() (which covers encryptionPublicKey when given). */
    signature: Signature,
    /** The appliance's X25519 key: the central re-seals earlier templates to it for a 1:1 verification at this counter. */
    encryptionPublicKey: Type.Optional(X25519Key),
    /** Re-enrolment: the identity this one replaces, proven by the old key over replacementText(). */
    replaces: Type.Optional(Type.Object({ deviceId: DeviceId, signature: Signature }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export const EnrolResponse = Type.Object({
  deviceId: Type.String(),
  office: Type.Object({ code: Type.String(), name: Type.String() }),
  centralPublicKeyPem: Type.String(),
  enrolledAt: Type.String(),
  revokedDeviceId: Type.Union([Type.String(), Type.Null()]),
  /** The central's X25519 key prints are sealed to (absent from a central without one: prints stay opaque to it). */
  centralEncryptionKey: Type.Optional(Type.Object({ keyId: Type.String({ pattern: '^[0-9a-f]{16}$' }), publicKey: X25519Key })),
});

export const DecommissionBody = Type.Object(
  { deviceId: DeviceId, at: Type.String({ format: 'date-time' }), signature: Signature },
  { additionalProperties: false },
);
export const DecommissionResponse = Type.Object({ deviceId: Type.String(), revokedAt: Type.String() });
export const TimeResponse = Type.Object({ now: Type.String() });

export type EnrolBody = Static<typeof EnrolBody>;
export type EnrolResponse = Static<typeof EnrolResponse>;
export type DecommissionBody = Static<typeof DecommissionBody>;
export type DecommissionResponse = Static<typeof DecommissionResponse>;

/**
 * The code is part of the signed text: a signature cannot be moved to another code. With an encryption key the
 * text is v2 and covers it too, so nobody can swap the key the central will re-seal templates to.
 */
export function enrolmentText(code: string, deviceId: string, publicKeyPem: string, encryptionPublicKey?: string): Buffer {
  if (encryptionPublicKey !== undefined) {
    return Buffer.from(JSON.stringify(['zlmc-enrol-v2', normaliseCode(code), deviceId, publicKeyPem.trim(), encryptionPublicKey]), 'utf8');
  }
  return Buffer.from(JSON.stringify(['zlmc-enrol-v1', normaliseCode(code), deviceId, publicKeyPem.trim()]), 'utf8');
}

/** Signed by the OLD key: "I hand my place to this new identity". */
export function replacementText(oldDeviceId: string, newDeviceId: string, newPublicKeyPem: string): Buffer {
  return Buffer.from(JSON.stringify(['zlmc-replace-v1', oldDeviceId, newDeviceId, newPublicKeyPem.trim()]), 'utf8');
}

export function decommissionText(deviceId: string, at: string): Buffer {
  return Buffer.from(JSON.stringify(['zlmc-decommission-v1', deviceId, at]), 'utf8');
}

/** Codes are typed by people: case, spaces and dashes do not matter. */
export function normaliseCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}

export function signText(privateKey: KeyObject | string, text: Buffer): string {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  return sign(null, text, key).toString('base64');
}

export function verifyText(publicKey: KeyObject, text: Buffer, signature: string): boolean {
  try {
    return verify(null, text, publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
