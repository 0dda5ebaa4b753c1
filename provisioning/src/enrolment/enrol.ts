/**
 * enrol / re-enrol / decommission. The identity (Ed25519 key + device id) and the data-encryption key
 * are the appliance's own (appliance/src/keys/identity.ts, appliance/src/crypto/data-key.ts): this file
 * only decides when they are created, replaced or wiped, and talks to the central about it.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { decommissionText, enrolmentText, replacementText, signText } from '@lmc/protocol/enrolment.ts';
import { loadOrCreateDataKey } from '@lmc/appliance/crypto/data-key.ts';
import { DEVICE_FILE, KEYS_DIR, loadOrCreateIdentity, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE } from '@lmc/appliance/keys/identity.ts';
import { writeFileAtomic } from '@lmc/core/atomic-file.ts';
import { type RawConfig, schemaHasCentralKey, setKey, updateConfigFile } from '../config/config-file.ts';
import { ProvisioningErrorCodes, provisioningError } from '../errors.ts';
import { postDecommission, postEnrolment } from './central-api.ts';

export const CENTRAL_PUBLIC_KEY_FILE = 'central-ed25519.pub';
export const ENROLMENT_FILE = 'enrolment.json';

export interface EnrolmentRecord {
  version: 1;
  deviceId: string;
  centralUrl: string;
  office: { code: string; name: string };
  enrolledAt: string;
}

export function readEnrolment(dataDir: string): EnrolmentRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(dataDir, KEYS_DIR, ENROLMENT_FILE), 'utf8')) as EnrolmentRecord;
  } catch {
    return undefined;
  }
}

export interface EnrolOptions {
  configPath: string;
  dataDir: string;
  /** Write dataDir into the config (the technician named it explicitly). */
  writeDataDir: boolean;
  centralUrl: string;
  code: string;
  /** Re-enrolment: a new key and device id; the old identity is revoked at the central. */
  rekey?: boolean;
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface EnrolResult {
  deviceId: string;
  office: { code: string; name: string };
  revokedDeviceId: string | null;
  identityCreated: boolean;
  dataKeyCreated: boolean;
  configChanges: string[];
}

const IDENTITY_FILES = [PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, DEVICE_FILE];

export async function enrol(o: EnrolOptions): Promise<EnrolResult> {
  const log = o.log ?? (() => undefined);
  const keysDir = join(o.dataDir, KEYS_DIR);
  let retiredDir: string | undefined;
  let old: ReturnType<typeof loadOrCreateIdentity> | undefined;
  if (o.rekey) {
    if (!existsSync(join(keysDir, DEVICE_FILE))) {
      throw provisioningError(ProvisioningErrorCodes.NotEnrolled, `--rekey needs an existing identity in ${keysDir}; run enrol without --rekey`);
    }
    old = loadOrCreateIdentity(o.dataDir);
    // Moved aside, not deleted, until the central has accepted the new key: a failed re-enrolment puts it back.
    retiredDir = join(keysDir, `retired-${Date.now()}`);
    mkdirSync(retiredDir, { mode: 0o700 });
    for (const f of IDENTITY_FILES) if (existsSync(join(keysDir, f))) renameSync(join(keysDir, f), join(retiredDir, f));
    log(`old identity ${old.deviceId} set aside`);
  }
  try {
    const identity = loadOrCreateIdentity(o.dataDir);
    const dataKey = loadOrCreateDataKey(o.dataDir);
    log(`${identity.created ? 'created' : 'using'} identity ${identity.deviceId}; data key ${dataKey.created ? 'created' : 'present'} (files 0600 in ${keysDir})`);
    const response = await postEnrolment(
      { url: o.centralUrl, ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) },
      {
        code: o.code,
        deviceId: identity.deviceId,
        publicKeyPem: identity.publicKeyPem,
        signature: signText(identity.privateKey, enrolmentText(o.code, identity.deviceId, identity.publicKeyPem)),
        ...(old
          ? { replaces: { deviceId: old.deviceId, signature: signText(old.privateKey, replacementText(old.deviceId, identity.deviceId, identity.publicKeyPem)) } }
          : {}),
      },
    );
    log(`central enrolled ${response.deviceId} for ${response.office.code} (${response.office.name})`);
    writeFileAtomic(join(keysDir, CENTRAL_PUBLIC_KEY_FILE), response.centralPublicKeyPem, { mode: 0o600 });
    const record: EnrolmentRecord = { version: 1, deviceId: response.deviceId, centralUrl: o.centralUrl, office: response.office, enrolledAt: response.enrolledAt };
    writeFileAtomic(join(keysDir, ENROLMENT_FILE), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
    const { changes } = updateConfigFile(o.configPath, (raw: RawConfig) => [
      setKey(raw, 'central.url', o.centralUrl),
      setKey(raw, 'office.code', response.office.code),
      setKey(raw, 'office.name', response.office.name),
      ...(schemaHasCentralKey('deviceId') ? [setKey(raw, 'central.deviceId', response.deviceId)] : []),
      ...(o.writeDataDir ? [setKey(raw, 'dataDir', o.dataDir)] : []),
    ]);
    if (retiredDir) rmSync(retiredDir, { recursive: true, force: true });
    return {
      deviceId: response.deviceId,
      office: response.office,
      revokedDeviceId: response.revokedDeviceId,
      identityCreated: identity.created,
      dataKeyCreated: dataKey.created,
      configChanges: changes,
    };
  } catch (err) {
    if (retiredDir) {
      for (const f of IDENTITY_FILES) {
        rmSync(join(keysDir, f), { force: true });
        if (existsSync(join(retiredDir, f))) renameSync(join(retiredDir, f), join(keysDir, f));
      }
      rmSync(retiredDir, { recursive: true, force: true });
      log('re-enrolment failed: the old identity is back in place');
    }
    throw err;
  }
}

export interface DecommissionOptions {
  configPath: string;
  dataDir: string;
  centralUrl: string;
  /** Unsent registrations counted by the caller from the store (pending + quarantined). */
  unsent: number;
  forceDiscardUnsent: boolean;
  timeoutMs?: number;
  log?: (line: string) => void;
}

export async function decommission(o: DecommissionOptions): Promise<{ deviceId: string; revokedAt: string; discarded: number }> {
  const log = o.log ?? (() => undefined);
  if (o.unsent > 0 && !o.forceDiscardUnsent) {
    throw provisioningError(
      ProvisioningErrorCodes.UnsentData,
      `${o.unsent} registration(s) have not reached the central yet; let the appliance sync first (or --force-discard-unsent to lose them)`,
      { unsent: o.unsent },
    );
  }
  if (!existsSync(join(o.dataDir, KEYS_DIR, DEVICE_FILE))) {
    throw provisioningError(ProvisioningErrorCodes.NotEnrolled, `no appliance identity in ${join(o.dataDir, KEYS_DIR)}`);
  }
  const identity = loadOrCreateIdentity(o.dataDir);
  const at = new Date().toISOString();
  // Revoke first: if the central cannot be reached nothing local is touched and the command can be rerun.
  const res = await postDecommission(
    { url: o.centralUrl, ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) },
    { deviceId: identity.deviceId, at, signature: signText(identity.privateKey, decommissionText(identity.deviceId, at)) },
  );
  log(`central revoked ${res.deviceId} at ${res.revokedAt}`);
  rmSync(o.dataDir, { recursive: true, force: true });
  log(`wiped ${o.dataDir} (keys, store${o.unsent > 0 ? `, ${o.unsent} unsent registration(s) discarded` : ''})`);
  updateConfigFile(o.configPath, (raw) => [setKey(raw, 'central.url', '')]);
  return { deviceId: res.deviceId, revokedAt: res.revokedAt, discarded: o.unsent };
}
