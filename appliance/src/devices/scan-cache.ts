import type { DocumentScannedEvent } from '../events/event-bus.ts';

/**
 * Recent scans, by id, so an officer's "attach this scan" refers to exactly what the reader sent.
 * Memory only on purpose: a scan is not a registration until it is attached (and then it is in SQLite).
 */
export class ScanCache {
  readonly #scans = new Map<string, DocumentScannedEvent>();
  constructor(private readonly capacity = 50) {}

  add(scan: DocumentScannedEvent): void {
    this.#scans.set(scan.scanId, scan);
    while (this.#scans.size > this.capacity) {
      const oldest = this.#scans.keys().next().value;
      if (oldest === undefined) break;
      this.#scans.delete(oldest);
    }
  }

  get(scanId: string): DocumentScannedEvent | undefined {
    return this.#scans.get(scanId);
  }

  latest(): DocumentScannedEvent | undefined {
    let last: DocumentScannedEvent | undefined;
    for (const s of this.#scans.values()) last = s;
    return last;
  }
}
