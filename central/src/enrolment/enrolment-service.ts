/**
 * Enrolment, re-enrolment and decommissioning of appliances, over the devices table that the batch
 * route authenticates against (central/src/devices/device-directory.ts). A revoked row stays (its
 * registrations reference it); only its revoked_at makes the batch route refuse the key.
 */
import type { Db, Queryable } from '../db/db.ts';
import { decoyVerify, deviceAuthFailed } from '../devices/device-auth.ts';
import { parseEd25519PublicKey } from '../devices/device-directory.ts';
import { CentralErrorCodes, CentralErrors, centralError } from '../errors.ts';
import { recipientFromBase64 } from '@lmc/protocol/print-seal.ts';
import type { CentralKey } from './central-key.ts';
import { consumeEnrolmentCode } from './enrolment-codes.ts';
import {
  DECOMMISSION_MAX_SKEW_MS,
  type DecommissionBody,
  type DecommissionResponse,
  decommissionText,
  type EnrolBody,
  type EnrolResponse,
  enrolmentText,
  replacementText,
  verifyText,
} from '@lmc/protocol/enrolment.ts';

function publicKeyOf(pem: string, deviceId: string) {
  try {
    return parseEd25519PublicKey(pem, deviceId);
  } catch {
    throw centralError(CentralErrors.ENROLMENT_KEY_INVALID.code, 'publicKeyPem is not an Ed25519 SPKI PEM public key', { deviceId });
  }
}

async function activeDevice(tx: Queryable, deviceId: string) {
  return (
    await tx.query<{ public_key_pem: string; office_code: string }>(
      'SELECT public_key_pem, office_code FROM devices WHERE device_id = $1 AND revoked_at IS NULL FOR UPDATE',
      [deviceId],
    )
  )[0];
}

export async function enrolDevice(db: Db, centralKey: () => CentralKey, body: EnrolBody, now: Date = new Date()): Promise<EnrolResponse> {
  const key = publicKeyOf(body.publicKeyPem, body.deviceId);
  // Cheap checks before the code is spent: a bad proof must not burn a valid code.
  if (body.encryptionPublicKey !== undefined) {
    try {
      recipientFromBase64(body.encryptionPublicKey);
    } catch {
      throw centralError(CentralErrors.ENROLMENT_KEY_INVALID.code, 'encryptionPublicKey is not a base64 X25519 public key', { deviceId: body.deviceId });
    }
  }
  if (!verifyText(key, enrolmentText(body.code, body.deviceId, body.publicKeyPem, body.encryptionPublicKey), body.signature)) {
    throw centralError(CentralErrors.ENROLMENT_PROOF_INVALID.code, 'The signature does not prove possession of the presented key', { deviceId: body.deviceId });
  }
  return db.transaction(async (tx) => {
    // The code first: without a valid one, nothing below is reachable, so the answers about existing
    // devices (not enrolled, already enrolled) tell nothing to someone probing with made-up codes.
    // A refusal further down rolls the transaction back, and the code stays unspent.
    const office = await consumeEnrolmentCode(tx, body.code, body.deviceId, now);
    let revokedDeviceId: string | null = null;
    if (body.replaces) {
      const old = await activeDevice(tx, body.replaces.deviceId);
      if (!old) {
        throw centralError(CentralErrors.ENROLMENT_DEVICE_NOT_ENROLLED.code, `Device ${body.replaces.deviceId} is not enrolled`, {
          deviceId: body.replaces.deviceId,
        });
      }
      const oldKey = publicKeyOf(old.public_key_pem, body.replaces.deviceId);
      if (!verifyText(oldKey, replacementText(body.replaces.deviceId, body.deviceId, body.publicKeyPem), body.replaces.signature)) {
        throw centralError(CentralErrors.ENROLMENT_PROOF_INVALID.code, 'The replacement is not signed by the key being replaced', {
          deviceId: body.replaces.deviceId,
        });
      }
    }
    const existing = (await tx.query<{ revoked_at: unknown }>('SELECT revoked_at FROM devices WHERE device_id = $1', [body.deviceId]))[0];
    if (existing) {
      // A device id is enrolled once; a new key comes with a new id (re-enrolment), so a revoked id stays revoked.
      throw centralError(CentralErrors.ENROLMENT_DEVICE_EXISTS.code, `Device ${body.deviceId} is already enrolled`, { deviceId: body.deviceId });
    }
    const at = now.toISOString();
    await tx.query('INSERT INTO devices (device_id, office_code, public_key_pem, enrolled_at, encryption_public_key) VALUES ($1, $2, $3, $4, $5)', [
      body.deviceId,
      office.code,
      `${body.publicKeyPem.trim()}\n`,
      at,
      body.encryptionPublicKey ?? null,
    ]);
    if (body.replaces) {
      await tx.query("UPDATE devices SET revoked_at = $1, revoked_reason = 're-enrolled', replaced_by = $2 WHERE device_id = $3", [
        at,
        body.deviceId,
        body.replaces.deviceId,
      ]);
      revokedDeviceId = body.replaces.deviceId;
    }
    const encryption = centralKey().encryption?.current;
    return {
      deviceId: body.deviceId,
      office: { code: office.code, name: office.name },
      centralPublicKeyPem: centralKey().publicKeyPem,
      enrolledAt: at,
      revokedDeviceId,
      ...(encryption ? { centralEncryptionKey: { keyId: encryption.keyId, publicKey: encryption.publicKeyBase64 } } : {}),
    };
  });
}

export async function decommissionDevice(db: Db, body: DecommissionBody, now: Date = new Date()): Promise<DecommissionResponse> {
  const at = Date.parse(body.at);
  if (!Number.isFinite(at) || Math.abs(now.getTime() - at) > DECOMMISSION_MAX_SKEW_MS) {
    throw centralError(CentralErrors.ENROLMENT_REQUEST_EXPIRED.code, 'The decommission request is too old or too far in the future (check the clock)', {
      deviceId: body.deviceId,
    });
  }
  return db.transaction(async (tx) => {
    // Unknown device and bad signature: one answer (DEVICE_AUTH_FAILED) after the same work, as on the batch route.
    const row = await activeDevice(tx, body.deviceId);
    if (!row) {
      decoyVerify(decommissionText(body.deviceId, body.at));
      throw deviceAuthFailed(CentralErrorCodes.DeviceUnknown, body.deviceId);
    }
    if (!verifyText(publicKeyOf(row.public_key_pem, body.deviceId), decommissionText(body.deviceId, body.at), body.signature)) {
      throw deviceAuthFailed(CentralErrorCodes.SignatureInvalid, body.deviceId);
    }
    const revokedAt = now.toISOString();
    await tx.query("UPDATE devices SET revoked_at = $1, revoked_reason = 'decommissioned' WHERE device_id = $2", [revokedAt, body.deviceId]);
    return { deviceId: body.deviceId, revokedAt };
  });
}
