/**
 * The BER-TLV framing of secure-messaging data objects and LDS headers (ISO/IEC 7816-4 §5.2,
 * 9303-10 §4.3): tags of one to three bytes, definite lengths in short or long form.
 * Deep structures (the LDS security object, CMS) go through asn1js; this is the flat layer.
 */
export interface Tlv {
  readonly tag: number;
  /** The value bytes. */
  readonly value: Buffer;
  /** The whole encoded object (tag, length, value). */
  readonly raw: Buffer;
}

export function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n <= 0xff) return Buffer.from([0x81, n]);
  if (n <= 0xffff) return Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
}

export function encodeTlv(tag: number, value: Uint8Array): Buffer {
  const t = tag > 0xffff ? [tag >> 16, (tag >> 8) & 0xff, tag & 0xff] : tag > 0xff ? [tag >> 8, tag & 0xff] : [tag];
  return Buffer.concat([Buffer.from(t), encodeLength(value.length), value]);
}

/** Reads the tag and length at `offset`; null when the bytes there are not a complete header. */
export function readHeader(buf: Uint8Array, offset = 0): { tag: number; length: number; headerLength: number } | null {
  let p = offset;
  if (p >= buf.length) return null;
  let tag = buf[p++] as number;
  if ((tag & 0x1f) === 0x1f) {
    // Subsequent tag bytes while bit 8 is set (7816-4 §5.2.2.1).
    do {
      if (p >= buf.length) return null;
      tag = (tag << 8) | (buf[p] as number);
    } while ((buf[p++] as number) & 0x80);
  }
  if (p >= buf.length) return null;
  const first = buf[p++] as number;
  let length = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 3 || p + n > buf.length) return null;
    length = 0;
    for (let i = 0; i < n; i++) length = (length << 8) | (buf[p++] as number);
  }
  return { tag, length, headerLength: p - offset };
}

/** Splits a buffer into consecutive TLVs; null when it does not split exactly. */
export function splitTlvs(buf: Buffer): Tlv[] | null {
  const out: Tlv[] = [];
  let p = 0;
  while (p < buf.length) {
    const h = readHeader(buf, p);
    if (!h || p + h.headerLength + h.length > buf.length) return null;
    const end = p + h.headerLength + h.length;
    out.push({ tag: h.tag, value: buf.subarray(p + h.headerLength, end), raw: buf.subarray(p, end) });
    p = end;
  }
  return out;
}
