/**
 * The appliance's one schema history: every module's migrations, in the global order their versions give.
 *
 * Each feature owns its migrations beside its code (`auth/officer-schema.ts`, `fingerprints/vault-schema.ts`, ...);
 * the store applies whatever list it is handed and knows no feature. The order is one list rather than derived from
 * the configured modules because SQLite histories are numbered contiguously: a module that is not configured here
 * (a chip reader, say) must still leave its tables in place so the same file opens on any appliance.
 * To add a migration: append it to the module's own list with the next free version, and list the module here once.
 */
import { officerMigrations } from './auth/officer-schema.ts';
import { chipMigrations } from './chip/chip-schema.ts';
import { cscaSyncMigrations } from './chip/csca-sync-schema.ts';
import { fingerprintMigrations } from './fingerprints/vault-schema.ts';
import { notificationMigrations } from './notifications/notifications-schema.ts';
import { printJobsMigrations } from './printing/print-jobs-schema.ts';
import { recruitmentMigrations } from './recruitment/recruitment-schema.ts';
import { referenceMigrations } from './reference/reference-schema.ts';
import { detailsMigrations } from './registrations-details/details-schema.ts';
import { registrationMigrations } from './registrations/registration-state-schema.ts';
import { type OpenStoreOptions, openStore } from './store/index.ts';
import { type Migration, storeMigrations } from './store/migrations.ts';
import { syncMigrations } from './sync/sync-schema.ts';
import type { Store } from './store/types.ts';

/** Sorted by version; throws at import if two modules claim one version or a version is missing. */
export function scheduleMigrations(lists: readonly (readonly Migration[])[]): readonly Migration[] {
  const all = lists.flat().sort((a, b) => a.version - b.version);
  all.forEach((m, i) => {
    if (m.version !== i + 1) {
      const clash = all.filter((o) => o.version === m.version).map((o) => o.name);
      throw new Error(
        clash.length > 1
          ? `migrations ${clash.join(' and ')} both claim version ${m.version}`
          : `the schema history has no version ${i + 1} (next is ${m.version}, '${m.name}')`,
      );
    }
  });
  return all;
}

export const MIGRATIONS: readonly Migration[] = scheduleMigrations([
  storeMigrations,
  officerMigrations,
  printJobsMigrations,
  fingerprintMigrations,
  referenceMigrations,
  detailsMigrations,
  registrationMigrations,
  chipMigrations,
  recruitmentMigrations,
  notificationMigrations,
  syncMigrations,
  cscaSyncMigrations,
]);

export const LATEST_SCHEMA_VERSION: number = MIGRATIONS.length;

/** The appliance's store with its whole schema: what the composition root, the CLIs and the tests open. */
export function openApplianceStore(options: Omit<OpenStoreOptions, 'migrations'>): Store {
  return openStore({ ...options, migrations: MIGRATIONS });
}
