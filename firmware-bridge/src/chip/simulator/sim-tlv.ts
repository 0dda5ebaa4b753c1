/** The simulated chip's own BER-TLV helpers (single-byte tags and the two-byte 7F49; lengths up to 0xFFFF). */

export function tlv(tag: number, value: Uint8Array): Buffer {
  const n = value.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  const t = tag > 0xff ? [tag >> 8, tag & 0xff] : [tag];
  return Buffer.concat([Buffer.from([...t, ...len]), value]);
}

/** Flat walk of single-byte-tag data objects (SM objects, dynamic authentication data). Null when it does not walk. */
export function objects(buf: Buffer): Map<number, { value: Buffer; raw: Buffer }> | null {
  const out = new Map<number, { value: Buffer; raw: Buffer }>();
  let p = 0;
  while (p < buf.length) {
    const start = p;
    const tag = buf[p++] as number;
    let len = buf[p++];
    if (len === undefined) return null;
    if (len === 0x81) len = buf[p++];
    else if (len === 0x82) {
      if (p + 2 > buf.length) return null;
      len = buf.readUInt16BE(p);
      p += 2;
    }
    if (len === undefined || p + len > buf.length) return null;
    out.set(tag, { value: buf.subarray(p, p + len), raw: buf.subarray(start, p + len) });
    p += len;
  }
  return out;
}
