/** APDU length forms (ISO/IEC 7816-4 §5.1), TLV framing and extended-length secure messaging. */
import { describe, expect, it } from 'vitest';
import { decodeResponse, encodeCommand } from './apdu.ts';
import { SecureMessaging } from './secure-messaging.ts';
import { readHeader, splitTlvs } from './tlv.ts';

const X = (b: Buffer) => b.toString('hex').toUpperCase();

describe('APDU encoding', () => {
  it('short cases 1–4 and Le 256 as 00', () => {
    expect(X(encodeCommand({ cla: 0, ins: 0xb0, p1: 0, p2: 0 }))).toBe('00B00000');
    expect(X(encodeCommand({ cla: 0, ins: 0x84, p1: 0, p2: 0, ne: 8 }))).toBe('0084000008');
    expect(X(encodeCommand({ cla: 0, ins: 0xa4, p1: 2, p2: 0x0c, data: Buffer.from([1, 0x1e]) }))).toBe('00A4020C02011E');
    expect(X(encodeCommand({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 256 }))).toBe('00B0000000');
  });

  it('extended Le alone (00 Le1 Le2) and with data (00 Lc1 Lc2 … Le1 Le2)', () => {
    expect(X(encodeCommand({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 0x1000 }))).toBe('00B00000001000');
    expect(X(encodeCommand({ cla: 0, ins: 0xb1, p1: 0, p2: 0, data: Buffer.from([0x54, 1, 0]), ne: 65536 }))).toBe('00B10000000003540100' + '0000');
  });

  it('responses: data and status word; fewer than two bytes is refused', () => {
    expect(decodeResponse(Buffer.from('01029000', 'hex'))).toEqual({ data: Buffer.from([1, 2]), sw: 0x9000 });
    expect(() => decodeResponse(Buffer.from([0x90]))).toThrow(RangeError);
  });
});

describe('TLV', () => {
  it('two-byte tags and long lengths (5F1F, 7F61, 82 xx xx)', () => {
    expect(readHeader(Buffer.from('5F1F8158', 'hex'))).toEqual({ tag: 0x5f1f, length: 0x58, headerLength: 4 });
    expect(readHeader(Buffer.from('7582ABCD', 'hex'))).toEqual({ tag: 0x75, length: 0xabcd, headerLength: 4 });
    expect(readHeader(Buffer.from('5F', 'hex'))).toBeNull();
    expect(splitTlvs(Buffer.from('0101AA0202', 'hex'))).toBeNull();
  });
});

describe('extended-length secure messaging', () => {
  it('DO97 carries a 2-byte Le and the protected APDU uses extended Lc and Le', () => {
    const sm = new SecureMessaging({ ksEnc: Buffer.alloc(16, 1), ksMac: Buffer.alloc(16, 2), ssc: Buffer.alloc(8) });
    const wrapped = sm.wrap({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 0x1000 });
    // 0C B0 00 00 | Lc 00 000E | DO97 97 02 1000 | DO8E 8E 08 <8 bytes> | Le 0000
    expect(wrapped.length).toBe(4 + 3 + 14 + 2);
    expect(X(wrapped.subarray(0, 11))).toBe('0CB0000000000E97021000');
    expect(X(wrapped.subarray(11, 13))).toBe('8E08');
    expect(X(wrapped.subarray(wrapped.length - 2))).toBe('0000');
  });
});
