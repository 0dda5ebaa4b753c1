/**
 * What each batch tells the central about this appliance (protocol/src/batch.ts ApplianceStatus): the audit
 * chain's head and length (issue #16 item 4: the central stores them and flags a chain that was rewritten or went
 * backwards), the backlog, the software version and each configured device's state (the fleet view).
 *
 * Taken when the batch is encoded for an attempt (the batch body is signed as a whole; a resend is a new batch
 * with the same frozen records and a fresh status). `prior` is the {length, hash} sent in the last batch the
 * central acknowledged (sync_audit_anchor), its hash RE-READ from the audit log now: if someone rewrote the chain
 * since, the central sees a hash at that length different from the one it stored.
 *
 * Fleet reporting never blocks forwarding: a status that cannot be read (or an anchor that cannot be saved) is
 * logged and the batch goes without it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApplianceStatus } from '@lmc/protocol/batch.ts';
import { installRoot } from '@lmc/core/runtime-paths.ts';
import type { EventBus } from '../events/event-bus.ts';
import { GENESIS_HASH, type Store } from '../store/index.ts';

/** The relay's view: a status for the next batch, and the one an acknowledged batch carried. */
export interface StatusSource {
  snapshot(): ApplianceStatus;
  acknowledged(status: ApplianceStatus): void;
}

export interface AuditAnchor {
  length: number;
  hash: string;
}

/** The audit log's head: its last seq and that row's hash; {0, GENESIS_HASH} when empty. */
export function auditHead(store: Store): AuditAnchor {
  const row = store.connection.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
  return row ? { length: row.seq, hash: row.hash } : { length: 0, hash: GENESIS_HASH };
}

/** The hash of the audit row at `seq` now ('' when that row is gone; GENESIS_HASH at 0). */
export function auditHashAt(store: Store, seq: number): string {
  if (seq === 0) return GENESIS_HASH;
  const row = store.connection.prepare('SELECT hash FROM audit_log WHERE seq = ?').get(seq) as { hash: string } | undefined;
  return row?.hash ?? '';
}

/** The anchor of the last acknowledged batch (sync_audit_anchor), null before the first. */
export function loadAnchor(store: Store): AuditAnchor | null {
  const row = store.connection.prepare('SELECT length, hash FROM sync_audit_anchor WHERE id = 1').get() as AuditAnchor | undefined;
  return row ?? null;
}

export function saveAnchor(store: Store, anchor: AuditAnchor, at: Date): void {
  store.connection
    .prepare(
      `INSERT INTO sync_audit_anchor (id, length, hash, acknowledged_at) VALUES (1, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET length = excluded.length, hash = excluded.hash, acknowledged_at = excluded.acknowledged_at`,
    )
    .run(anchor.length, anchor.hash, at.toISOString());
}

/** The installation's version (its root package.json: the repository's, or the one the Debian package writes). */
export function installedVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(join(installRoot(import.meta.url), 'package.json'), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' && manifest.version !== '' ? manifest.version.slice(0, 64) : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The devices config.devices configures (transport other than 'none'), by name. */
export function configuredDevices(devices: Readonly<Record<string, { transport?: string } | undefined>>): string[] {
  return Object.entries(devices)
    .filter(([, d]) => d !== undefined && d.transport !== 'none')
    .map(([name]) => name);
}

export interface ApplianceStatusOptions {
  store: Store;
  /** Device states arrive as 'device.state' events. */
  bus?: EventBus;
  /** The configured devices (config.devices whose transport is not 'none'); each is reported, 'unknown' until it speaks. */
  devices: readonly string[];
  softwareVersion?: string;
  now?: () => Date;
}

export class ApplianceStatusReporter implements StatusSource {
  readonly #o: ApplianceStatusOptions;
  readonly #version: string;
  readonly #devices = new Map<string, string>();
  readonly #unsubscribe: (() => void) | undefined;

  constructor(options: ApplianceStatusOptions) {
    this.#o = options;
    this.#version = options.softwareVersion ?? installedVersion();
    for (const d of options.devices) this.#devices.set(d, 'unknown');
    this.#unsubscribe = options.bus?.subscribe('device.state', (e) => {
      if (!this.#devices.has(e.device)) return;
      // 'reading' is a connected device busy with one scan: it would flicker with every document.
      this.#devices.set(e.device, e.state === 'reading' ? 'connected' : e.state);
    });
  }

  snapshot(): ApplianceStatus {
    const { store } = this.#o;
    const head = auditHead(store);
    const anchor = loadAnchor(store);
    return {
      auditChain: {
        length: head.length,
        headHash: head.hash,
        ...(anchor ? { prior: { length: anchor.length, hash: auditHashAt(store, anchor.length) } } : {}),
      },
      backlog: { pending: store.outbox.depth(), oldestUnsentAt: store.outbox.oldestPendingAt() },
      softwareVersion: this.#version,
      devices: Object.fromEntries(this.#devices),
    };
  }

  acknowledged(status: ApplianceStatus): void {
    saveAnchor(this.#o.store, { length: status.auditChain.length, hash: status.auditChain.headHash }, (this.#o.now ?? (() => new Date()))());
  }

  close(): void {
    this.#unsubscribe?.();
  }
}
