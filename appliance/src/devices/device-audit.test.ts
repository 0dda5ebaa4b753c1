import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@lmc/core/logger.ts';
import { EventBus } from '../events/event-bus.ts';
import type { Store } from '../store/index.ts';
import { openApplianceStore } from '../schema.ts';
import { auditDeviceEvents } from './device-audit.ts';
import { MrzReaderFeature } from './mrz-reader-feature.ts';
import { sampleDocumentLines } from './sample-documents.ts';
import { ScanCache } from './scan-cache.ts';

/**
 * Audit writes of device events are off the serial data path, yet no event is reported before its row is on
 * disk. A real simulated reader on a pty, the real store (synchronous=FULL), the appliance's subscription order.
 */
describe('device audit: off the serial data path, durable before the event is reported', () => {
  let feature: MrzReaderFeature | undefined;
  let store: Store | undefined;
  let dir = '';
  afterEach(async () => {
    await feature?.stop();
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a scan\u2019s row is appended from an immediate (not the port\u2019s data callback) and committed before any later subscriber sees the scan', async () => {
    dir = mkdtempSync(join(tmpdir(), 'device-audit-'));
    const s = openApplianceStore({ dataDir: dir });
    store = s;
    const bus = new EventBus();
    // Where each append runs: the stack of the call (no data, only frames).
    const stacks = new Map<string, string>();
    const append = s.audit.append.bind(s.audit);
    s.audit.append = (entry) => {
      if (entry.action === 'document.scanned') stacks.set(entry.entityId ?? '', new Error('where').stack ?? '');
      return append(entry);
    };
    auditDeviceEvents(bus, s, createLogger('audit')); // first, as start.ts does
    // A later subscriber, like the socket.io gateway: it looks for the row through another connection, which sees
    // only committed transactions.
    const reader = new Database(s.health().path, { readonly: true });
    const reported = new Promise<{ scanId: string; committed: boolean }>((resolve) =>
      bus.subscribe('document.scanned', (e) => {
        const row = reader.prepare("SELECT 1 FROM audit_log WHERE action = 'document.scanned' AND entity_id = ?").get(e.scanId);
        resolve({ scanId: e.scanId, committed: row !== undefined });
      }),
    );
    try {
      feature = new MrzReaderFeature({ config: { transport: 'simulator', baudRate: 115200, framing: 'auto' } as never, bus, scans: new ScanCache() });
      await feature.start();
      await feature.simulator?.scan(sampleDocumentLines(0));
      const { scanId, committed } = await reported;
      expect(committed).toBe(true);
      const stack = stacks.get(scanId) ?? '';
      expect(stack).toMatch(/processImmediate/);
      expect(stack).not.toMatch(/mrz-reader-driver|serial-transport|frame-parser/);
    } finally {
      reader.close();
    }
  });
});
