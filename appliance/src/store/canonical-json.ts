import { invalidInput } from './errors.ts';

/**
 * Deterministic JSON: object keys sorted (by UTF-16 code unit, as Array.prototype.sort does),
 * no whitespace, `undefined` properties omitted. The audit hash covers this exact text, so the
 * same details always hash the same, whichever order the caller built the object in.
 */
export function canonicalJson(value: unknown): string {
  return serialise(value, new Set());
}

function serialise(value: unknown, seen: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw invalidInput('audit details may not contain NaN or Infinity');
      return JSON.stringify(value);
    case 'object': {
      if (seen.has(value)) throw invalidInput('audit details may not be circular');
      const toJson = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJson === 'function') return serialise(toJson.call(value), seen);
      seen.add(value);
      let out: string;
      if (Array.isArray(value)) {
        out = `[${value.map((v) => (v === undefined ? 'null' : serialise(v, seen))).join(',')}]`;
      } else {
        const entries = Object.keys(value)
          .sort()
          .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
          .map((k) => `${JSON.stringify(k)}:${serialise((value as Record<string, unknown>)[k], seen)}`);
        out = `{${entries.join(',')}}`;
      }
      seen.delete(value);
      return out;
    }
    default:
      throw invalidInput(`audit details may not contain a ${typeof value}`);
  }
}
