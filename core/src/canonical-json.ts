import canonicalize from 'canonicalize';

/**
 * RFC 8785 (JSON Canonicalization Scheme) text of a value, by the `canonicalize` library: object keys sorted by
 * UTF-16 code units, ECMAScript number form, no whitespace, `undefined` properties omitted. Audit hashes and batch
 * content hashes cover this exact text, so the same record always hashes the same on the appliance and the central.
 * Values JSON cannot carry (NaN, Infinity, bigint, functions, cycles) are refused rather than silently changed.
 */
export function canonicalJson(value: unknown): string {
  assertJsonValue(value, new Set());
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('canonicalJson: the value is not representable in JSON');
  return text;
}

function assertJsonValue(value: unknown, seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: NaN and Infinity are not JSON');
      return;
    case 'object': {
      if (value === null) return;
      if (seen.has(value)) throw new TypeError('canonicalJson: circular value');
      const toJson = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJson === 'function') {
        assertJsonValue(toJson.call(value), seen);
        return;
      }
      seen.add(value);
      for (const v of Array.isArray(value) ? value : Object.values(value)) assertJsonValue(v, seen);
      seen.delete(value);
      return;
    }
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} is not JSON`);
  }
}
