/**
 * enrol / re-enrol / decommission. The identity (Ed25519 key + device id) and the data-encryption key
 * are the appliance's own (appliance/src/keys/identity.ts, appliance/src/crypto/data-key.ts): this file
 * only decides when they are created, replaced or wiped, and talks to the central about it.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
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

/** Re-key in progress: the new identity is made here (its own keys/ folder) and moved in only after the central accepted it. */
export const REKEY_PENDING_DIR = 'rekey-pending';
const ACCEPTED_FILE = 'accepted.json';

/**
 * Finish or undo a re-key that was interrupted (power cut, Ctrl-C): if the central had accepted the new key
 * (marker written), complete the swap; otherwise drop the pending key (the old one was never touched).
 * Also undoes a leftover of the earlier re-key scheme (keys/retired-*: old identity set aside while an
 * unenrolled new one was active). Returns what it did, for the log.
 */
export function recoverRekey(dataDir: string): string | undefined {
  const keysDir = join(dataDir, KEYS_DIR);
  if (!existsSync(keysDir)) return undefined;
  const pending = join(keysDir, REKEY_PENDING_DIR);
  let done: string | undefined;
  if (existsSync(pending)) {
    if (existsSync(join(pending, ACCEPTED_FILE))) {
      for (const f of IDENTITY_FILES) if (existsSync(join(pending, KEYS_DIR, f))) renameSync(join(pending, KEYS_DIR, f), join(keysDir, f));
      const record = JSON.parse(readFileSync(join(pending, ACCEPTED_FILE), 'utf8')) as EnrolmentRecord & { centralPublicKeyPem: string };
      writeFileAtomic(join(keysDir, CENTRAL_PUBLIC_KEY_FILE), record.centralPublicKeyPem, { mode: 0o600 });
      const { centralPublicKeyPem: _k, ...rec } = record;
      writeFileAtomic(join(keysDir, ENROLMENT_FILE), `${JSON.stringify(rec, null, 2)}\n`, { mode: 0o600 });
      done = `completed an interrupted re-key: ${record.deviceId} (accepted by the central) is now active`;
    } else {
      done = 'dropped an interrupted re-key that the central never accepted: the old identity stays';
    }
    rmSync(pending, { recursive: true, force: true });
  }
  for (const d of readdirSync(keysDir).filter((n) => n.startsWith('retired-'))) {
    const retired = join(keysDir, d);
    const enrolledId = readEnrolment(dataDir)?.deviceId;
    const retiredId = existsSync(join(retired, DEVICE_FILE)) ? (JSON.parse(readFileSync(join(retired, DEVICE_FILE), 'utf8')) as { deviceId?: string }).deviceId : undefined;
    if (retiredId && retiredId === enrolledId) {
      for (const f of IDENTITY_FILES) if (existsSync(join(retired, f))) renameSync(join(retired, f), join(keysDir, f));
      done = `put back identity ${retiredId} set aside by an interrupted re-key`;
    }
    rmSync(retired, { recursive: true, force: true });
  }
  return done;
}

export async function enrol(o: EnrolOptions): Promise<EnrolResult> {
  const log = o.log ?? (() => undefined);
  const keysDir = join(o.dataDir, KEYS_DIR);
  const recovered = recoverRekey(o.dataDir);
  if (recovered) log(recovered);
  let old: ReturnType<typeof loadOrCreateIdentity> | undefined;
  const pending = join(keysDir, REKEY_PENDING_DIR);
  if (o.rekey) {
    if (!existsSync(join(keysDir, DEVICE_FILE))) {
      throw provisioningError(ProvisioningErrorCodes.NotEnrolled, `--rekey needs an existing identity in ${keysDir}; run enrol without --rekey`);
    }
    old = loadOrCreateIdentity(o.dataDir);
    log(`old identity ${old.deviceId} stays active until the central accepts the new one`);
  }
  try {
    // Re-key: the new identity is made beside the old one; the old one is not touched before the central accepts.
    const identity = loadOrCreateIdentity(old ? pending : o.dataDir);
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
    const record: EnrolmentRecord = { version: 1, deviceId: response.deviceId, centralUrl: o.centralUrl, office: response.office, enrolledAt: response.enrolledAt };
    if (old) {
      // Accepted: note it first (an interruption from here on is completed by recoverRekey), then swap.
      writeFileAtomic(join(pending, ACCEPTED_FILE), JSON.stringify({ ...record, centralPublicKeyPem: response.centralPublicKeyPem }), { mode: 0o600 });
      recoverRekey(o.dataDir);
      log(`new identity ${response.deviceId} active; ${old.deviceId} revoked by the central`);
    } else {
      writeFileAtomic(join(keysDir, CENTRAL_PUBLIC_KEY_FILE), response.centralPublicKeyPem, { mode: 0o600 });
      writeFileAtomic(join(keysDir, ENROLMENT_FILE), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
    }
    const { changes } = updateConfigFile(o.configPath, (raw: RawConfig) => [
      setKey(raw, 'central.url', o.centralUrl),
      setKey(raw, 'office.code', response.office.code),
      setKey(raw, 'office.name', response.office.name),
      ...(schemaHasCentralKey('deviceId') ? [setKey(raw, 'central.deviceId', response.deviceId)] : []),
      ...(o.writeDataDir ? [setKey(raw, 'dataDir', o.dataDir)] : []),
    ]);
    return {
      deviceId: response.deviceId,
      office: response.office,
      revokedDeviceId: response.revokedDeviceId,
      identityCreated: identity.created,
      dataKeyCreated: dataKey.created,
      configChanges: changes,
    };
  } catch (err) {
    if (old && !existsSync(join(pending, ACCEPTED_FILE))) {
      rmSync(pending, { recursive: true, force: true });
      log('re-enrolment failed: the old identity stays active');
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
