import { Ascii } from './mrz-wire.ts';

/**
 * Encodes MRZ lines the way serial readers put them on the wire (PROTOCOLS.md, "MRZ readers on the
 * wire"). The simulator uses it; the frame parser is its inverse.
 */
export type SimulatedFraming = 'cr' | 'crlf' | 'stx-etx' | '3m';

export function encodeRead(lines: readonly string[], framing: SimulatedFraming): Buffer {
  switch (framing) {
    case 'cr':
      return Buffer.from(lines.map((l) => `${l}\r`).join(''), 'latin1');
    case 'crlf':
      return Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'latin1');
    case 'stx-etx':
      return Buffer.concat([Buffer.of(Ascii.STX), Buffer.from(lines.map((l) => `${l}\r`).join(''), 'latin1'), Buffer.of(Ascii.ETX)]);
    case '3m':
      return encode3m(lines);
  }
}

/**
 * 3M RTE Native block (RTE6701-OEM integration manual 9.1.1): `SOH len(lo,hi) "OU" STX flag` then always
 * three lines, bottom-aligned (a two-line document leaves line 1 empty), each padded with `_` to 30
 * (three-line documents) or 44 characters and ended by CR, then `ETX BCC`.
 * Assumptions, not from the manual we have: flag `0`, length = bytes from "O" to BCC inclusive,
 * BCC = XOR of the bytes after SOH up to ETX. The parser checks none of them.
 */
function encode3m(lines: readonly string[]): Buffer {
  const width = lines.length === 3 ? 30 : 44;
  const slots = [...Array(Math.max(0, 3 - lines.length)).fill(''), ...lines].slice(-3);
  const text = slots.map((l) => `${l.length > 0 ? l.padEnd(width, '_') : ''}\r`).join('');
  const body = Buffer.concat([Buffer.from('OU', 'latin1'), Buffer.of(Ascii.STX, 0x30), Buffer.from(text, 'latin1'), Buffer.of(Ascii.ETX)]);
  const length = body.length + 1;
  const lenBytes = Buffer.of(length & 0xff, (length >> 8) & 0x3f);
  let bcc = 0;
  for (const b of [...lenBytes, ...body]) bcc ^= b;
  return Buffer.concat([Buffer.of(Ascii.SOH), lenBytes, body, Buffer.of(bcc)]);
}
