import { CONFIG_VERSION } from './schema.ts';

type RawConfig = Record<string, unknown>;

/**
 * Config migrations (zigbee2mqtt settings style): each step upgrades one version and says what it changed.
 * Version 0 is any file without a `version` key (the pre-release layout kept the MRZ reader at top level
 * as `mrzReader`).
 */
const steps: Array<{ from: number; migrate(c: RawConfig): string[] }> = [
  {
    from: 0,
    migrate(c) {
      const notes: string[] = [];
      if ('mrzReader' in c) {
        const devices = (typeof c.devices === 'object' && c.devices !== null ? c.devices : {}) as RawConfig;
        devices.mrz = c.mrzReader;
        c.devices = devices;
        delete c.mrzReader;
        notes.push('moved mrzReader to devices.mrz');
      }
      return notes;
    },
  },
];

export function migrateConfig(input: RawConfig): { config: RawConfig; notes: string[] } {
  const config: RawConfig = structuredClone(input);
  let version = typeof config.version === 'number' ? config.version : 0;
  const notes: string[] = [];
  for (const step of steps) {
    if (step.from !== version) continue;
    notes.push(...step.migrate(config).map((n) => `v${version}→v${version + 1}: ${n}`));
    version += 1;
  }
  // A newer-than-known version is left as is: validation then names `version` as the problem.
  if (version <= CONFIG_VERSION) config.version = version;
  return { config, notes };
}
