/**
 * Reading and writing the appliance config file for the technician. Every write goes through the
 * appliance's own validation (appliance/src/config/load-config.ts parseConfig: the same schema and
 * versioned migrations the appliance starts with) and is written atomically (temp file, fsync,
 * rename: @lmc/core atomic-file.ts writeFileAtomic), so a bad value or a power cut never leaves
 * a half-written or invalid file. What is written is the file's own content (migrated, with the
 * change), not the defaults-filled view: defaults stay defaults.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { TObject } from '@sinclair/typebox';
import { ApplianceError } from '@lmc/core/errors.ts';
import { CONFIG_INVALID, parseConfig } from '@lmc/appliance/config/load-config.ts';
import { migrateConfig } from '@lmc/appliance/config/migrate-config.ts';
import { type ApplianceConfig, ApplianceConfigSchema } from '@lmc/appliance/config/schema.ts';
import { writeFileAtomic } from '@lmc/core/atomic-file.ts';

export type RawConfig = Record<string, unknown>;

export interface ConfigFile {
  path: string;
  exists: boolean;
  /** The file's content after migration (no defaults filled, no environment applied). */
  raw: RawConfig;
  /** Validated, defaults filled. */
  config: ApplianceConfig;
  /** What migration changed in an older file. */
  notes: string[];
}

export function resolveConfigPath(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return resolve(cwd, explicit ?? env.APPLIANCE_CONFIG ?? 'appliance.config.json');
}

export function readConfigFile(path: string): ConfigFile {
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ApplianceError(CONFIG_INVALID, `cannot read config file ${path}: ${(err as Error).message}`, { path });
    }
  }
  let parsed: unknown = { version: 1 };
  if (text !== undefined) {
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ApplianceError(CONFIG_INVALID, `config file ${path} is not valid JSON: ${(err as Error).message}`, { path });
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ApplianceError(CONFIG_INVALID, `config file ${path} must hold a JSON object`, { path });
  }
  const { config: raw } = migrateConfig(parsed as RawConfig);
  const { config, notes } = parseConfig(parsed, {});
  return { path, exists: text !== undefined, raw, config, notes };
}

export interface ConfigUpdate {
  file: ConfigFile;
  /** Human lines: what the mutation changed, then migration notes. */
  changes: string[];
}

/**
 * Apply `mutate` to the file's content, validate the result as the appliance would, and write it
 * atomically. Throws CONFIG_INVALID naming the key (and writes nothing) when the result is invalid.
 */
export function updateConfigFile(path: string, mutate: (raw: RawConfig) => string[]): ConfigUpdate {
  const before = readConfigFile(path);
  const raw = structuredClone(before.raw);
  const changes = mutate(raw);
  const { config } = parseConfig(raw, {});
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, `${JSON.stringify(raw, null, 2)}\n`, { mode: 0o644 });
  return {
    file: { path, exists: true, raw, config, notes: before.notes },
    changes: [...before.notes.map((n) => `upgraded: ${n}`), ...changes],
  };
}

/** Set a nested key, creating objects on the way; returns "a.b.c = value" for the change list. */
export function setKey(raw: RawConfig, dotted: string, value: unknown): string {
  const parts = dotted.split('.');
  let node: RawConfig = raw;
  for (const p of parts.slice(0, -1)) {
    const next = node[p];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[p] = {};
    node = node[p] as RawConfig;
  }
  node[parts.at(-1) as string] = value;
  return `${dotted} = ${JSON.stringify(value)}`;
}

/** Whether this appliance version's config schema has a `devices.<role>` entry (mrz always; printer, fingerprint when added). */
export function schemaHasDevice(role: string): boolean {
  const devices = (ApplianceConfigSchema.properties as unknown as Record<string, TObject | undefined>).devices;
  return role in (devices?.properties ?? {});
}

/** Whether the schema has `central.<key>`. */
export function schemaHasCentralKey(key: string): boolean {
  const central = (ApplianceConfigSchema.properties as unknown as Record<string, TObject | undefined>).central;
  return key in (central?.properties ?? {});
}

export function resolveDataDir(explicit: string | undefined, config: ApplianceConfig, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return resolve(cwd, explicit ?? env.APPLIANCE_DATA_DIR ?? config.dataDir);
}
