import { isApplianceError } from './errors.ts';
import { createLogger, rootLogger } from '@lmc/core/logger.ts';
import { loadConfig } from './config/load-config.ts';
import { startAppliance } from './start.ts';

const log = createLogger('main');

async function main(): Promise<void> {
  // Every file this process creates (keys, database, backups, first-supervisor note) is for its own user only.
  process.umask(0o077);
  const { config, source, notes, auth } = loadConfig();
  rootLogger.level = config.logLevel;
  log.info({ source }, 'configuration loaded');
  for (const note of notes) log.warn({ note }, 'configuration file is older than this version; upgraded in memory');
  const appliance = await startAppliance(config, rootLogger, { auth });
  const simulated = [
    { name: 'mrz-reader', simulated: appliance.mrz.simulated },
    { name: 'fingerprint-reader', simulated: appliance.fingerprints.feature.simulated },
    { name: 'receipt-printer', simulated: appliance.printing.feature.simulated },
  ]
    .filter((d) => d.simulated)
    .map((d) => d.name);
  log.info({ url: appliance.url, docs: `${appliance.url}/docs`, office: config.office.code, simulated }, 'appliance ready');
  if (simulated.length > 0) {
    log.warn(`simulated devices: ${simulated.join(', ')} (configure devices.* in appliance.config.json for real hardware)`);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    appliance.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ message: (err as Error).message }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  if (isApplianceError(err)) {
    log.fatal({ code: err.code }, err.message);
  } else {
    log.fatal({ message: (err as Error).message, stack: (err as Error).stack }, 'appliance failed to start');
  }
  process.exit(1);
});
