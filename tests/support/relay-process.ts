/**
 * Child process for the forwarding crash test: runs the real relay (undici client, store on disk)
 * over `<dataDir>` against `<centralUrl>`, and kills itself with SIGKILL the moment the central's
 * acknowledgement arrives — after the central committed, before the local "sent" mark. The central's
 * key and certificate are the ones pinned in `<dataDir>/keys` (tests/support/link-trust.ts).
 *
 *   node --import tsx tests/support/relay-process.ts <dataDir> <centralUrl>
 */
import { loadCentralTrust } from '@lmc/appliance/keys/central-trust.ts';
import { loadOrCreateIdentity } from '@lmc/appliance/keys/identity.ts';
import { openApplianceStore } from '@lmc/appliance/schema.ts';
import { CentralClient } from '@lmc/appliance/sync/central-client.ts';
import { OutboxRelay } from '@lmc/appliance/sync/outbox-relay.ts';

const [dataDir, url] = process.argv.slice(2);
if (!dataDir || !url) {
  console.error('usage: relay-process.ts <dataDir> <centralUrl>');
  process.exit(2);
}
const store = openApplianceStore({ dataDir });
const identity = loadOrCreateIdentity(dataDir);
const trust = loadCentralTrust(dataDir);
const relay = new OutboxRelay({
  store,
  identity,
  transport: new CentralClient({ url, connectTimeoutMs: 2000, responseTimeoutMs: 5000, identity, centralKey: trust.publicKey, pinnedTlsPem: trust.tlsPem }),
  bounds: { maxRecords: 100, maxBytes: 1024 * 1024 },
  backoff: { baseMs: 50, maxMs: 200 },
  unauthorisedRetryMs: 1000,
  idlePollMs: 100,
  hooks: {
    afterResponse(outcome) {
      if (outcome.kind === 'acknowledged') {
        process.stdout.write(`acknowledged ${outcome.response.stored.length + outcome.response.duplicates.length}\n`);
        process.kill(process.pid, 'SIGKILL');
      }
    },
  },
});
await relay.start();
