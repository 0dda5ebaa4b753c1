import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { Value, type ValueError } from '@sinclair/typebox/value';
import { ApplianceError } from '../errors.ts';
import { FirmwareBridgeErrors } from '@lmc/firmware-bridge/errors.ts';
import type { AuthSettings } from '../auth/auth-plugin.ts';
import { authSettingsFromEnv } from '../auth/seed.ts';
import { migrateConfig } from './migrate-config.ts';
import { type ApplianceConfig, ApplianceConfigSchema, MrzDeviceConfig } from './schema.ts';
import { PrinterDeviceConfig } from '../printing/printing-config.ts';
import { FingerprintDeviceConfig } from '../fingerprints/fingerprint-config.ts';
import { ChipDeviceConfig } from '../chip/chip-config.ts';

/** Declared with the firmware bridge's device codes (a simulator refuses a bad option with it too). */
export const CONFIG_INVALID = FirmwareBridgeErrors.CONFIG_INVALID.code;

export interface LoadedConfig {
  config: ApplianceConfig;
  /** Where it came from, for the start-up log. */
  source: string;
  /** Human notes from migrations of an older file. */
  notes: string[];
  /**
   * Sign-in settings from the environment (never from the file: the first supervisor's PIN is not written down):
   * APPLIANCE_SUPERVISOR_ID/PIN (first start only), APPLIANCE_IDLE_LOGOUT_S.
   */
  auth: AuthSettings;
}

/**
 * Reads `APPLIANCE_CONFIG` (default ./appliance.config.json; a missing default file means "all defaults",
 * a missing explicitly named file is an error), migrates, applies env overrides, fills defaults and validates.
 * Errors name the key and what was expected.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): LoadedConfig {
  const explicit = env.APPLIANCE_CONFIG;
  const path = resolve(cwd, explicit ?? 'appliance.config.json');
  let raw: unknown = {};
  let source = 'defaults (no appliance.config.json)';
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || explicit) {
      throw new ApplianceError(CONFIG_INVALID, `cannot read config file ${path}: ${(err as Error).message}`, { path });
    }
  }
  if (text !== undefined) {
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new ApplianceError(CONFIG_INVALID, `config file ${path} is not valid JSON: ${(err as Error).message}`, { path });
    }
    source = path;
  }
  return { ...parseConfig(raw, env), source };
}

export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = {}): Omit<LoadedConfig, 'source'> {
  const auth = authSettingsFromEnv(env);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ApplianceError(CONFIG_INVALID, 'config must be a JSON object');
  }
  const { config: migrated, notes } = migrateConfig(raw as Record<string, unknown>);
  applyEnvOverrides(migrated, env);
  const rawMrz = (migrated.devices as Record<string, unknown> | undefined)?.mrz;
  const rawPrinter = (migrated.devices as Record<string, unknown> | undefined)?.printer;
  const rawFingerprint = (migrated.devices as Record<string, unknown> | undefined)?.fingerprint;
  const rawChip = (migrated.devices as Record<string, unknown> | undefined)?.chip;
  const withDefaults = Value.Default(ApplianceConfigSchema, migrated) as Record<string, unknown>;
  if (rawMrz !== undefined) (withDefaults.devices as Record<string, unknown>).mrz = structuredClone(rawMrz);
  if (rawPrinter !== undefined) (withDefaults.devices as Record<string, unknown>).printer = structuredClone(rawPrinter);
  if (rawFingerprint !== undefined) (withDefaults.devices as Record<string, unknown>).fingerprint = structuredClone(rawFingerprint);
  if (rawChip !== undefined) (withDefaults.devices as Record<string, unknown>).chip = structuredClone(rawChip);
  // Device entries are unions discriminated by `transport`: pick the branch first so defaults are filled
  // and errors name the real key instead of "expected union value".
  const deviceErrors = [
    ...resolveDevice(withDefaults, 'mrz', MrzDeviceConfig.anyOf),
    ...resolveDevice(withDefaults, 'printer', PrinterDeviceConfig.anyOf),
    ...resolveDevice(withDefaults, 'fingerprint', FingerprintDeviceConfig.anyOf),
    ...resolveDevice(withDefaults, 'chip', ChipDeviceConfig.anyOf),
  ];
  const errors = deviceErrors.length > 0 ? deviceErrors : [...Value.Errors(ApplianceConfigSchema, withDefaults)];
  if (errors.length > 0) {
    // Unions report one error per branch; the most specific (deepest path) is the useful one.
    const best = errors.sort((a, b) => b.path.length - a.path.length).slice(0, 3);
    const lines = best.map((e) => `${e.path.replace(/^\//, '').replaceAll('/', '.') || '(root)'}: ${e.message}`);
    throw new ApplianceError(CONFIG_INVALID, `invalid configuration: ${[...new Set(lines)].join('; ')}`, {
      keys: best.map((e) => e.path),
    });
  }
  return { config: withDefaults as ApplianceConfig, notes, auth };
}

function resolveDevice(config: Record<string, unknown>, key: string, branches: TSchema[]): ValueError[] {
  const devices = config.devices as Record<string, unknown> | undefined;
  const entry = devices?.[key];
  if (!devices || typeof entry !== 'object' || entry === null) return [];
  const transport = (entry as { transport?: unknown }).transport;
  const branch = branches.find((b) => (b.properties as Record<string, TSchema>).transport?.const === transport);
  const prefix = `/devices/${key}`;
  if (!branch) {
    const allowed = branches.map((b) => (b.properties as Record<string, TSchema>).transport?.const).join(', ');
    return [{ path: `${prefix}/transport`, message: `must be one of ${allowed}` } as ValueError];
  }
  const filled = Value.Default(branch, entry);
  devices[key] = filled;
  return [...Value.Errors(branch, filled)].map((e) => ({ ...e, path: prefix + e.path }));
}

function applyEnvOverrides(config: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  const obj = (key: string): Record<string, unknown> => {
    const current = config[key];
    if (typeof current === 'object' && current !== null) return current as Record<string, unknown>;
    const fresh: Record<string, unknown> = {};
    config[key] = fresh;
    return fresh;
  };
  if (env.PORT !== undefined) obj('server').port = toIntOrString(env.PORT);
  if (env.HOST !== undefined) obj('server').host = env.HOST;
  if (env.APPLIANCE_DATA_DIR !== undefined) config.dataDir = env.APPLIANCE_DATA_DIR;
  if (env.APPLIANCE_OFFICE_CODE !== undefined) obj('office').code = env.APPLIANCE_OFFICE_CODE;
  if (env.LOG_LEVEL !== undefined) config.logLevel = env.LOG_LEVEL;
}

function toIntOrString(v: string): number | string {
  return /^\d+$/.test(v) ? Number(v) : v;
}
