/**
 * Enrolled appliances and their Ed25519 public keys. The devices table is the source of truth
 * (provisioning will enrol into it later); for now it is seeded from a configured list at start-up.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Db } from '../db/db.ts';
import { CentralErrorCodes, centralError } from '../errors.ts';

export interface DeviceConfig {
  deviceId: string;
  officeCode: string;
  /** SPKI PEM of the device's Ed25519 public key. */
  publicKeyPem: string;
}

export interface EnrolledDevice {
  deviceId: string;
  officeCode: string;
  publicKey: KeyObject;
}

/** Parses an Ed25519 SPKI PEM; a coded CONFIG_INVALID error (without the key text) otherwise. */
export function parseEd25519PublicKey(pem: string, deviceId: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw centralError(CentralErrorCodes.ConfigInvalid, `Device ${deviceId}: public key is not a valid PEM`, { deviceId });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw centralError(CentralErrorCodes.ConfigInvalid, `Device ${deviceId}: public key is ${key.asymmetricKeyType}, expected ed25519`, {
      deviceId,
    });
  }
  return key;
}

/** Validates every configured key, then upserts the list into the devices table. */
export async function enrolConfiguredDevices(db: Db, devices: readonly DeviceConfig[]): Promise<void> {
  for (const d of devices) parseEd25519PublicKey(d.publicKeyPem, d.deviceId);
  await db.transaction(async (tx) => {
    for (const d of devices) {
      await tx.query(
        `INSERT INTO devices (device_id, office_code, public_key_pem) VALUES ($1, $2, $3)
         ON CONFLICT (device_id) DO UPDATE SET office_code = EXCLUDED.office_code, public_key_pem = EXCLUDED.public_key_pem`,
        [d.deviceId, d.officeCode, d.publicKeyPem],
      );
    }
  });
}

export class DeviceDirectory {
  /** Parsed keys by PEM text: parsing is the costly part, the row lookup is one primary-key read. */
  readonly #keys = new Map<string, KeyObject>();

  constructor(private readonly db: Db) {}

  /** The enrolled, non-revoked device, or undefined. */
  async find(deviceId: string): Promise<EnrolledDevice | undefined> {
    const rows = await this.db.query<{ office_code: string; public_key_pem: string }>(
      'SELECT office_code, public_key_pem FROM devices WHERE device_id = $1 AND revoked_at IS NULL',
      [deviceId],
    );
    const row = rows[0];
    if (!row) return undefined;
    let key = this.#keys.get(row.public_key_pem);
    if (!key) {
      key = parseEd25519PublicKey(row.public_key_pem, deviceId);
      this.#keys.set(row.public_key_pem, key);
    }
    return { deviceId, officeCode: row.office_code, publicKey: key };
  }
}
