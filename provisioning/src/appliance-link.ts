/**
 * What the running appliance says about itself: GET /healthz on its configured address (public, no
 * personal data): store, device states (and whether simulated), and its forwarding state (sync). Used by
 * `status` and `self-test` (the running service's view, not a guess from files) and by `decommission`
 * and `restore` to refuse while the service runs.
 */
import type { ApplianceConfig } from '@lmc/appliance/config/schema.ts';

export interface ApplianceHealth {
  status: 'ok' | 'degraded' | 'down';
  store: { ok: boolean; schemaVersion?: number; error?: string };
  devices: { device: string; state: string; simulated: boolean; reason?: string }[];
  sync?: { linkState: string; queueDepth: number; quarantined: number; lastAcknowledgedAt: string | null; lastError: string | null };
}

export function applianceBaseUrl(config: ApplianceConfig): string {
  const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.server.port}`;
}

/** The running appliance's /healthz, or undefined when nothing answers there (the service is not running). */
export async function readApplianceHealth(config: ApplianceConfig, timeoutMs = 3000): Promise<ApplianceHealth | undefined> {
  let res: Response;
  try {
    res = await fetch(`${applianceBaseUrl(config)}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
  } catch {
    return undefined;
  }
  try {
    const body = (await res.json()) as ApplianceHealth;
    return body && typeof body === 'object' && 'status' in body ? body : undefined;
  } catch {
    return undefined;
  }
}
