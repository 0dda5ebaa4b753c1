/**
 * How many of the queued records go into the next batch: at most `maxRecords`, and at most
 * `maxBytes` of record JSON. Bytes are counted before compression, so the compressed body is
 * always smaller than the bound (JSON of registrations compresses well; gzip adds ~20 bytes of
 * framing) and the central's body limit is never reached by a batch that respects it.
 * A single record larger than `maxBytes` still goes alone: the central's answer decides its fate
 * (413 → quarantine), and the queue behind it is not blocked.
 */
export interface BatchBounds {
  maxRecords: number;
  maxBytes: number;
}

/** Bytes a record adds to the batch JSON: its own JSON plus the separating comma. */
export function recordBytes(wireJson: string): number {
  return Buffer.byteLength(wireJson, 'utf8') + 1;
}

/** The longest prefix of `items` within the bounds, never empty when `items` is not. */
export function takeBatch<T>(items: readonly T[], sizeOf: (item: T) => number, bounds: BatchBounds): T[] {
  const out: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (out.length >= bounds.maxRecords) break;
    const size = sizeOf(item);
    if (out.length > 0 && bytes + size > bounds.maxBytes) break;
    out.push(item);
    bytes += size;
  }
  return out;
}
