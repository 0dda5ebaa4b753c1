/**
 * enrol / re-enrol / decommission. The identity (Ed25519 key + device id), the X25519 encryption key and the
 * data-encryption key are the appliance's own (appliance/src/keys/identity.ts, keys/encryption-key.ts,
 * appliance/src/crypto/data-key.ts): this file only decides when they are created, replaced or wiped, and talks
 * to the central about it.
 *
 * Trust (issue #13): `enrol` talks to the central over https:// only (plain http:// only with
 * --allow-insecure-http, for a development central; it then also sets central.allowInsecureHttp). The central's
 * certificate is pinned from what the technician holds: --cert-sha256 (the fingerprint of the central's
 * self-signed certificate, which `enrolment-code` prints beside the code and the central logs at start: one line
 * the administrator can send by SMS with the code, checked by the CLI, no judgement asked of the technician),
 * or --ca-file (the CA that issues the central's certificate); with neither, only a certificate the system's CAs
 * trust is accepted and nothing is pinned. The enrolment answer must carry the central's signature
 * (x-central-signature, protocol/src/batch-envelope.ts, purpose 'enrolment', bound to this request's proof of
 * possession): on a re-key with the key pinned before, on a first enrolment with the key the answer hands over
 * (whose authenticity the pinned TLS connection gives). The pinned certificate, the central's signing key and its
 * encryption key are saved where the appliance reads them (appliance/src/keys/central-trust.ts).
 */
import { createPublicKey, X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { splitPem } from '@lmc/appliance/central-link/central-link.ts';
import { loadOrCreateDataKey } from '@lmc/appliance/crypto/data-key.ts';
import { CENTRAL_PUBLIC_KEY_FILE, CENTRAL_TLS_FILE, loadCentralTrust, saveCentralTrust } from '@lmc/appliance/keys/central-trust.ts';
import { ENCRYPTION_KEY_FILE, loadOrCreateDeviceEncryptionKey } from '@lmc/appliance/keys/encryption-key.ts';
import { DEVICE_FILE, KEYS_DIR, loadOrCreateIdentity, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE } from '@lmc/appliance/keys/identity.ts';
import { writeFileAtomic } from '@lmc/core/atomic-file.ts';
import { HEADER_CENTRAL_SIGNATURE, verifyAnswer } from '@lmc/protocol/batch-envelope.ts';
import { decommissionText, type EnrolResponse, enrolmentText, replacementText, signText } from '@lmc/protocol/enrolment.ts';
import { type RawConfig, schemaHasCentralKey, setKey, updateConfigFile } from '../config/config-file.ts';
import { ProvisioningErrorCodes, provisioningError } from '../errors.ts';
import { type CentralTrustOptions, centralEndpoint, postDecommission, postEnrolment } from './central-api.ts';

export { CENTRAL_PUBLIC_KEY_FILE };
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
  /** SHA-256 fingerprint of the central's certificate (from the administrator, with the code). */
  certSha256?: string;
  /** PEM file of the CA (or certificate) to pin. */
  caFile?: string;
  /** DEVELOPMENT ONLY: accept an http:// central; sets central.allowInsecureHttp. */
  allowInsecureHttp?: boolean;
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
  /** What was pinned: the certificate's fingerprint (null: system CAs or http), and whether prints are sealed to the central. */
  pinnedCertificate: string | null;
  centralEncryptionKeyId: string | null;
}

const IDENTITY_FILES = [PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, DEVICE_FILE, ENCRYPTION_KEY_FILE];

/** What the re-key marker and the first enrolment save of the central. */
interface AcceptedTrust {
  centralPublicKeyPem: string;
  tlsPem: string | null;
  centralEncryptionKey: EnrolResponse['centralEncryptionKey'] | null;
}

function saveTrust(dataDir: string, t: AcceptedTrust): void {
  const dir = join(dataDir, KEYS_DIR);
  // A pin or key of an earlier enrolment that this one does not have must not linger.
  if (t.tlsPem === null) rmSync(join(dir, CENTRAL_TLS_FILE), { force: true });
  if (!t.centralEncryptionKey) rmSync(join(dir, 'central-x25519.pub'), { force: true });
  saveCentralTrust(dataDir, {
    publicKeyPem: t.centralPublicKeyPem,
    ...(t.tlsPem !== null ? { tlsPem: t.tlsPem } : {}),
    ...(t.centralEncryptionKey ? { encryptionPublicKey: t.centralEncryptionKey.publicKey } : {}),
  });
}

function readCaFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw provisioningError(ProvisioningErrorCodes.UsageInvalid, `cannot read --ca-file ${path}: ${(err as NodeJS.ErrnoException).code}`);
  }
  const certs = splitPem(text);
  try {
    if (certs.length === 0) throw new Error('none');
    for (const c of certs) new X509Certificate(c);
  } catch {
    throw provisioningError(ProvisioningErrorCodes.UsageInvalid, `--ca-file ${path} holds no PEM certificate`);
  }
  return `${certs.join('\n')}\n`;
}

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
      const record = JSON.parse(readFileSync(join(pending, ACCEPTED_FILE), 'utf8')) as EnrolmentRecord & Partial<AcceptedTrust> & { centralPublicKeyPem: string };
      saveTrust(dataDir, {
        centralPublicKeyPem: record.centralPublicKeyPem,
        // A marker of the earlier scheme (no tlsPem key) leaves the pin as it was.
        tlsPem: record.tlsPem === undefined ? loadCentralTrust(dataDir).tlsPem : record.tlsPem,
        centralEncryptionKey: record.centralEncryptionKey ?? null,
      });
      const { centralPublicKeyPem: _k, tlsPem: _t, centralEncryptionKey: _e, ...rec } = record;
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
  // Before any key is made or code spent: plain http:// is refused, a --ca-file must hold certificates.
  centralEndpoint(o.centralUrl, '', o.allowInsecureHttp ?? false);
  const insecure = o.centralUrl.startsWith('http:');
  if (insecure) log('WARNING: --allow-insecure-http: this enrolment and every later batch travel unencrypted (development only)');
  if (insecure && (o.certSha256 !== undefined || o.caFile !== undefined)) {
    throw provisioningError(ProvisioningErrorCodes.UsageInvalid, '--cert-sha256 and --ca-file pin an https:// central; this URL is http://');
  }
  if (o.certSha256 !== undefined && o.caFile !== undefined) throw provisioningError(ProvisioningErrorCodes.UsageInvalid, 'give --cert-sha256 or --ca-file, not both');
  const trust: CentralTrustOptions = {
    allowInsecureHttp: o.allowInsecureHttp ?? false,
    ...(o.caFile !== undefined ? { pinnedTlsPem: readCaFile(o.caFile) } : {}),
    ...(o.certSha256 !== undefined ? { certSha256: o.certSha256 } : {}),
  };
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
    const encryptionKey = loadOrCreateDeviceEncryptionKey(old ? pending : o.dataDir);
    const dataKey = loadOrCreateDataKey(o.dataDir);
    log(`${identity.created ? 'created' : 'using'} identity ${identity.deviceId}; data key ${dataKey.created ? 'created' : 'present'} (files 0600 in ${keysDir})`);
    const signature = signText(identity.privateKey, enrolmentText(o.code, identity.deviceId, identity.publicKeyPem, encryptionKey.publicKeyBase64));
    const answer = await postEnrolment(
      { url: o.centralUrl, ...trust, ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) },
      {
        code: o.code,
        deviceId: identity.deviceId,
        publicKeyPem: identity.publicKeyPem,
        signature,
        encryptionPublicKey: encryptionKey.publicKeyBase64,
        ...(old
          ? { replaces: { deviceId: old.deviceId, signature: signText(old.privateKey, replacementText(old.deviceId, identity.deviceId, identity.publicKeyPem)) } }
          : {}),
      },
    );
    const response = answer.value;
    // The answer must be the central's, for this very request: with the key pinned before (re-key), or the one it hands over.
    const pinnedBefore = old ? loadCentralTrust(o.dataDir).publicKey : null;
    let verifyWith: ReturnType<typeof createPublicKey>;
    try {
      verifyWith = pinnedBefore ?? createPublicKey(String(response.centralPublicKeyPem));
    } catch {
      throw provisioningError(ProvisioningErrorCodes.CentralAnswerUnsigned, "the central's answer carries no usable signing key: nothing was saved");
    }
    const sig = answer.headers[HEADER_CENTRAL_SIGNATURE];
    const binding = { purpose: 'enrolment' as const, deviceId: identity.deviceId, requestTag: signature, batchId: '', contentSha256: '' };
    if (!verifyAnswer(binding, answer.status, answer.bytes, Array.isArray(sig) ? sig[0] : sig, verifyWith)) {
      throw provisioningError(
        ProvisioningErrorCodes.CentralAnswerUnsigned,
        `the enrolment answer is not signed by ${pinnedBefore ? 'the central key this appliance pinned before' : "the central's key"} for this request: nothing was saved (ask the central's administrator)`,
      );
    }
    if (response.deviceId !== identity.deviceId) {
      throw provisioningError(ProvisioningErrorCodes.CentralAnswerUnsigned, 'the enrolment answer names another device: nothing was saved');
    }
    log(`central enrolled ${response.deviceId} for ${response.office.code} (${response.office.name}); answer signature verified`);
    const pinnedFingerprint = answer.pinnedTlsPem ? new X509Certificate(splitPem(answer.pinnedTlsPem)[0] ?? answer.pinnedTlsPem).fingerprint256 : null;
    log(
      answer.pinnedTlsPem
        ? `pinned the central's certificate ${pinnedFingerprint}`
        : insecure
          ? 'no TLS (development): nothing pinned'
          : "the central's certificate is trusted through the system's CAs: nothing pinned",
    );
    const accepted: AcceptedTrust = { centralPublicKeyPem: response.centralPublicKeyPem, tlsPem: answer.pinnedTlsPem, centralEncryptionKey: response.centralEncryptionKey ?? null };
    log(
      accepted.centralEncryptionKey
        ? `prints will also be sealed to the central's encryption key ${accepted.centralEncryptionKey.keyId}`
        : 'the central hands out no encryption key: prints stay sealed for this appliance only',
    );
    const record: EnrolmentRecord = { version: 1, deviceId: response.deviceId, centralUrl: o.centralUrl, office: response.office, enrolledAt: response.enrolledAt };
    if (old) {
      // Accepted: note it first (an interruption from here on is completed by recoverRekey), then swap.
      writeFileAtomic(join(pending, ACCEPTED_FILE), JSON.stringify({ ...record, ...accepted }), { mode: 0o600 });
      recoverRekey(o.dataDir);
      log(`new identity ${response.deviceId} active; ${old.deviceId} revoked by the central`);
    } else {
      saveTrust(o.dataDir, accepted);
      writeFileAtomic(join(keysDir, ENROLMENT_FILE), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
    }
    const { changes } = updateConfigFile(o.configPath, (raw: RawConfig) => [
      setKey(raw, 'central.url', o.centralUrl),
      setKey(raw, 'office.code', response.office.code),
      setKey(raw, 'office.name', response.office.name),
      ...(schemaHasCentralKey('deviceId') ? [setKey(raw, 'central.deviceId', response.deviceId)] : []),
      ...(insecure && schemaHasCentralKey('allowInsecureHttp') ? [setKey(raw, 'central.allowInsecureHttp', true)] : []),
      ...(o.writeDataDir ? [setKey(raw, 'dataDir', o.dataDir)] : []),
    ]);
    return {
      deviceId: response.deviceId,
      office: response.office,
      revokedDeviceId: response.revokedDeviceId,
      identityCreated: identity.created,
      dataKeyCreated: dataKey.created,
      configChanges: changes,
      pinnedCertificate: pinnedFingerprint,
      centralEncryptionKeyId: accepted.centralEncryptionKey?.keyId ?? null,
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
  /** The config's central.allowInsecureHttp (development). */
  allowInsecureHttp?: boolean;
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
  const pinned = loadCentralTrust(o.dataDir).tlsPem;
  const res = await postDecommission(
    { url: o.centralUrl, pinnedTlsPem: pinned, allowInsecureHttp: o.allowInsecureHttp ?? false, ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) },
    { deviceId: identity.deviceId, at, signature: signText(identity.privateKey, decommissionText(identity.deviceId, at)) },
  );
  log(`central revoked ${res.deviceId} at ${res.revokedAt}`);
  rmSync(o.dataDir, { recursive: true, force: true });
  log(`wiped ${o.dataDir} (keys, store${o.unsent > 0 ? `, ${o.unsent} unsent registration(s) discarded` : ''})`);
  updateConfigFile(o.configPath, (raw) => [setKey(raw, 'central.url', '')]);
  return { deviceId: res.deviceId, revokedAt: res.revokedAt, discarded: o.unsent };
}
