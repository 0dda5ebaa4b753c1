/**
 * RFC 8785 (JSON Canonicalization Scheme) text of a value: object keys sorted by UTF-16 code units, ECMAScript
 * number form, no whitespace, `undefined` properties omitted (`undefined` in an array is null). Audit hashes and
 * batch content hashes cover this exact text, so the same record always hashes the same on the appliance and the
 * central. Values JSON cannot carry (NaN, Infinity, bigint, functions, symbols, cycles, strings with a lone
 * surrogate) are refused rather than silently changed.
 *
 * One pass, checking as it writes (the central hashes every 4 KB payload of every batch, issue 13 point 7): the
 * `canonicalize` library plus a separate validity walk cost about 3× this. canonical-json.test.ts proves the text
 * byte-equal to `canonicalize`'s on random JSON values (unicode, lone surrogates, every number form).
 */
export function canonicalJson(value: unknown): string {
  const text = write(value, []);
  if (text === undefined) throw new TypeError('canonicalJson: the value is not representable in JSON');
  return text;
}

/** Printable ASCII other than `"` and `\\`: quoted as it is (most of a payload's keys and values). */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** String.prototype.isWellFormed (Node 20; not yet in this TypeScript lib): false when a lone surrogate is in it. */
type WellFormedCheck = string & { isWellFormed(): boolean };

/** A JSON string literal; JSON.stringify escapes exactly as RFC 8785 §3.2.2.2 asks (lowercase \u00xx controls). */
function quote(s: string): string {
  if (PLAIN.test(s)) return `"${s}"`;
  if (!(s as WellFormedCheck).isWellFormed()) throw new TypeError('canonicalJson: a string holds a lone surrogate');
  return JSON.stringify(s);
}

/** The canonical text, or undefined for a value an object omits (undefined, or a toJSON giving undefined at the top). */
function write(value: unknown, stack: object[]): string | undefined {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: NaN and Infinity are not JSON');
      // Number::toString is the ECMAScript form RFC 8785 §3.2.2.3 names (-0 gives "0").
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return undefined;
    case 'object': {
      if (value === null) return 'null';
      if (stack.includes(value)) throw new TypeError('canonicalJson: circular value');
      stack.push(value);
      try {
        const toJson = (value as { toJSON?: unknown }).toJSON;
        if (typeof toJson === 'function') return write(toJson.call(value), stack);
        if (Array.isArray(value)) {
          let out = '[';
          for (let i = 0; i < value.length; i++) out += `${i === 0 ? '' : ','}${write(value[i], stack) ?? 'null'}`;
          return `${out}]`;
        }
        const object = value as Record<string, unknown>;
        const keys = Object.keys(object).sort();
        let out = '{';
        let first = true;
        for (const key of keys) {
          const member = object[key];
          if (member === undefined) continue;
          const text = write(member, stack);
          if (text === undefined) throw new TypeError('canonicalJson: a member’s toJSON gave undefined');
          out += `${first ? '' : ','}${quote(key)}:${text}`;
          first = false;
        }
        return `${out}}`;
      } finally {
        stack.pop();
      }
    }
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} is not JSON`);
  }
}

/**
 * canonicalJson of a value JSON.parse made (plain objects, arrays, strings, finite numbers, booleans, null), by
 * JSON.stringify when every object's keys are already in canonical order. For such a value the two texts are equal:
 * RFC 8785 asks for ECMAScript's JSON.stringify string escapes and Number::toString, and key order is then all that
 * differs. The central receives payloads the appliance wrote in that order (protocol/src/batch.ts encodeBatch), and
 * the native serialiser costs about a third of canonicalJson for a 4 KB payload; any other value takes canonicalJson
 * (which also refuses lone surrogates, so they are checked here first).
 */
export function canonicalJsonOfParsed(value: unknown): string {
  return inCanonicalOrder(value) ? JSON.stringify(value) : canonicalJson(value);
}

/** True when the value's object keys are sorted by UTF-16 code units at every level and no string holds a lone surrogate. */
function inCanonicalOrder(value: unknown): boolean {
  if (typeof value === 'string') return (value as WellFormedCheck).isWellFormed();
  if (typeof value !== 'object' || value === null) return typeof value !== 'number' || Number.isFinite(value);
  if (Array.isArray(value)) {
    for (const item of value) if (!inCanonicalOrder(item)) return false;
    return true;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (i > 0 && !((keys[i - 1] as string) < key)) return false;
    if (!(key as WellFormedCheck).isWellFormed() || !inCanonicalOrder((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}
