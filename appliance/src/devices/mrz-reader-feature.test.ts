import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../events/event-bus.ts';
import type { DocumentScannedEvent } from '../events/event-bus.ts';
import { MrzReaderFeature } from './mrz-reader-feature.ts';
import { sampleDocumentLines } from './sample-documents.ts';
import { ScanCache } from './scan-cache.ts';

describe('MRZ reader feature over a simulated reader on a real pty', () => {
  let feature: MrzReaderFeature | undefined;
  afterEach(async () => {
    await feature?.stop();
  });

  it('keeps a good scan good when a subscriber throws: one event, a parsed document, the cache unchanged', async () => {
    const errors: string[] = [];
    const bus = new EventBus({ onListenerError: (event) => errors.push(event) });
    const scans = new ScanCache();
    feature = new MrzReaderFeature({ config: { transport: 'simulator', baudRate: 115200, framing: 'auto' } as never, bus, scans });
    bus.subscribe('document.scanned', () => {
      throw new Error('a broken subscriber');
    });
    const seen: DocumentScannedEvent[] = [];
    const arrived = new Promise<void>((resolve) =>
      bus.subscribe('document.scanned', (e) => {
        seen.push(e);
        resolve();
      }),
    );
    await feature.start();
    await feature.simulator?.scan(sampleDocumentLines(0));
    await arrived;
    await new Promise((r) => setTimeout(r, 300)); // a second (failed) publish of the same scan would land here
    expect(seen).toHaveLength(1);
    expect(seen[0]?.document).not.toBeNull();
    expect(seen[0]?.error).toBeUndefined();
    expect(scans.get(seen[0]?.scanId ?? '')?.document).not.toBeNull();
    expect(errors).toEqual(['document.scanned']);
  });
});
