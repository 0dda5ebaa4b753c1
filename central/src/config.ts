/**
 * Central receiver configuration from the environment, validated by schema. The device list is a
 * versioned JSON file (`{ "version": 1, "devices": [...] }`) until provisioning enrols devices.
 */
import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { validateAdminToken } from './auth/admin-token.ts';
import { type AuthSettings, DEFAULT_AUTH_SETTINGS } from './auth/auth-settings.ts';
import type { DeviceConfig } from './devices/device-directory.ts';
import { CentralErrorCodes, centralError } from './errors.ts';
import { DEFAULT_LIMITS, type BatchLimits } from './routes/batches.ts';

export const DevicesFileSchema = Type.Object({
  version: Type.Literal(1),
  devices: Type.Array(
    Type.Object({
      deviceId: Type.String({ minLength: 1, maxLength: 128 }),
      officeCode: Type.String({ minLength: 1, maxLength: 32 }),
      publicKeyPem: Type.String({ minLength: 1 }),
    }),
  ),
});
export type DevicesFile = Static<typeof DevicesFileSchema>;

export interface CentralConfig {
  /** Real PostgreSQL when set; PGlite in dataDir otherwise. */
  databaseUrl: string | undefined;
  dataDir: string;
  host: string;
  port: number;
  devicesFile: string | undefined;
  limits: BatchLimits;
  /** CENTRAL_ADMIN_TOKEN, at least 32 characters (auth/admin-token.ts). */
  adminToken: string | undefined;
  auth: AuthSettings;
  /** CENTRAL_TRUST_PROXY: `true`, or the proxy's address(es), comma-separated. */
  trustProxy: boolean | string[];
  /**
   * TLS: CENTRAL_TLS_CERT_FILE + CENTRAL_TLS_KEY_FILE (PEM); neither set: a self-signed pair in
   * <dataDir>/tls (tls/tls.ts). CENTRAL_INSECURE_HTTP=true serves plain HTTP instead.
   */
  tls: { certFile: string | undefined; keyFile: string | undefined; insecureHttp: boolean; names: string[] };
  /** CENTRAL_ATTEMPT_WINDOW_SEC: batch attempts further from the central's clock are refused (default 300). */
  attemptWindowMs: number;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw centralError(CentralErrorCodes.ConfigInvalid, `${name} must be a positive integer`, { name });
  return n;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw centralError(CentralErrorCodes.ConfigInvalid, `${name} must be true or false`, { name });
}

function authFromEnv(env: NodeJS.ProcessEnv): AuthSettings {
  const d = DEFAULT_AUTH_SETTINGS;
  return {
    ...d,
    session: {
      idleMs: positiveInt(env, 'CENTRAL_SESSION_IDLE_MIN', d.session.idleMs / 60_000) * 60_000,
      maxAgeMs: positiveInt(env, 'CENTRAL_SESSION_MAX_HOURS', d.session.maxAgeMs / 3_600_000) * 3_600_000,
    },
    // Off only for plain-HTTP development: browsers drop Secure cookies over http (except on localhost).
    secureCookie: flag(env, 'CENTRAL_COOKIE_SECURE', d.secureCookie),
    lockout: {
      maxAttempts: positiveInt(env, 'CENTRAL_SIGNIN_MAX_ATTEMPTS', d.lockout.maxAttempts),
      lockMs: positiveInt(env, 'CENTRAL_SIGNIN_LOCK_MIN', d.lockout.lockMs / 60_000) * 60_000,
    },
  };
}

function trustProxyFromEnv(env: NodeJS.ProcessEnv): boolean | string[] {
  const raw = env.CENTRAL_TRUST_PROXY?.trim();
  if (!raw || raw === 'false') return false;
  if (raw === 'true') return true;
  return raw.split(',').map((a) => a.trim()).filter((a) => a !== '');
}

function tlsFromEnv(env: NodeJS.ProcessEnv): CentralConfig['tls'] {
  const certFile = env.CENTRAL_TLS_CERT_FILE || undefined;
  const keyFile = env.CENTRAL_TLS_KEY_FILE || undefined;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw centralError(CentralErrorCodes.ConfigInvalid, 'CENTRAL_TLS_CERT_FILE and CENTRAL_TLS_KEY_FILE go together', {});
  }
  const names = (env.CENTRAL_TLS_NAMES || 'localhost,127.0.0.1,::1').split(',').map((n) => n.trim()).filter((n) => n !== '');
  return { certFile, keyFile, insecureHttp: flag(env, 'CENTRAL_INSECURE_HTTP', false), names };
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): CentralConfig {
  return {
    tls: tlsFromEnv(env),
    attemptWindowMs: positiveInt(env, 'CENTRAL_ATTEMPT_WINDOW_SEC', 300) * 1000,
    adminToken: validateAdminToken(env.CENTRAL_ADMIN_TOKEN),
    auth: authFromEnv(env),
    trustProxy: trustProxyFromEnv(env),
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.CENTRAL_DATA_DIR || './data/central',
    host: env.CENTRAL_HOST || '0.0.0.0',
    port: positiveInt(env, 'CENTRAL_PORT', 8080),
    devicesFile: env.CENTRAL_DEVICES_FILE || undefined,
    limits: {
      maxBodyBytes: positiveInt(env, 'CENTRAL_MAX_BODY_BYTES', DEFAULT_LIMITS.maxBodyBytes),
      maxDecompressedBytes: positiveInt(env, 'CENTRAL_MAX_DECOMPRESSED_BYTES', DEFAULT_LIMITS.maxDecompressedBytes),
      maxRecordsPerBatch: positiveInt(env, 'CENTRAL_MAX_RECORDS', DEFAULT_LIMITS.maxRecordsPerBatch),
    },
  };
}

export async function loadDevicesFile(path: string): Promise<DeviceConfig[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw centralError(CentralErrorCodes.ConfigInvalid, `Cannot read devices file ${path}: ${(err as Error).message}`, { path });
  }
  if (!Value.Check(DevicesFileSchema, parsed)) {
    const first = Value.Errors(DevicesFileSchema, parsed).First();
    throw centralError(CentralErrorCodes.ConfigInvalid, `Devices file ${path}: ${first?.path || '/'} ${first?.message ?? 'invalid'}`, { path });
  }
  return parsed.devices;
}
