/**
 * Cross-office lookup of returning migrants (issue #16 item 2): the feature made from the configuration, and its
 * routes. The index is pulled at the reference poll interval (config reference.pollMs) with its backoff, over the
 * same central URL, pinned certificate and central key as forwarding.
 */
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import type { ApplianceConfig } from '../config/schema.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { CentralTrust } from '../keys/central-trust.ts';
import type { ApplianceIdentity } from '../keys/identity.ts';
import type { Store } from '../store/index.ts';
import { LookupClient } from './lookup-client.ts';
import { NetworkLookup } from './network-lookup.ts';

export { lookupRoutes } from './lookup-routes.ts';
export { NetworkLookup } from './network-lookup.ts';

export function createNetworkLookup(o: {
  config: Pick<ApplianceConfig, 'central' | 'reference' | 'dataDir' | 'office'>;
  store: Store;
  identity: Pick<ApplianceIdentity, 'deviceId' | 'privateKey'>;
  trust?: CentralTrust;
  bus?: EventBus;
  logger?: Logger;
}): NetworkLookup {
  const { central, reference } = o.config;
  const transport =
    central.url !== ''
      ? new LookupClient({
          url: central.url,
          identity: o.identity,
          connectTimeoutMs: central.connectTimeoutMs,
          responseTimeoutMs: central.responseTimeoutMs,
          centralKey: o.trust?.publicKey ?? null,
          pinnedTlsPem: o.trust?.tlsPem ?? null,
          allowInsecureHttp: central.allowInsecureHttp ?? false,
        })
      : null;
  return new NetworkLookup({
    store: o.store,
    officeCode: o.config.office.code,
    dataDir: o.config.dataDir,
    transport,
    pollMs: reference.pollMs,
    backoff: { baseMs: reference.backoffBaseMs, maxMs: reference.backoffMaxMs },
    timeZone: reference.timeZone,
    ...(o.bus ? { bus: o.bus } : {}),
    logger: o.logger ?? createLogger('lookup'),
  });
}
