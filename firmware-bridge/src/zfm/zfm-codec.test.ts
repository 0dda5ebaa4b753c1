import { describe, expect, it } from 'vitest';
import { isApplianceError } from '@lmc/core/errors.ts';
import { ByteReader, ByteWriter } from './byte-cursor.ts';
import { type AnyCommandCodec, commandByCode, decodeAck, decodeCommand, encodeAck, encodeCommand, ZfmCommands } from './zfm-commands.ts';
import { confirmationCodes, confirmationError } from './zfm-confirmation.ts';
import { packImage4bpp, unpackImage4bpp, ZFM_IMAGE_BYTES } from './zfm-image.ts';
import { encodePacket, PacketType, toHex, ZFM_DEFAULT_ADDRESS, type ZfmPacket } from './zfm-packet.ts';
import { type ParserReport, ZfmStreamParser } from './zfm-stream-parser.ts';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const command = (payload: Uint8Array) => toHex(encodePacket({ address: ZFM_DEFAULT_ADDRESS, type: PacketType.Command, payload }));

function parse(chunks: Uint8Array[]): { packets: ZfmPacket[]; reports: ParserReport[] } {
  const packets: ZfmPacket[] = [];
  const reports: ParserReport[] = [];
  const parser = new ZfmStreamParser({ onPacket: (p) => packets.push(p), onReport: (r) => reports.push(r) });
  for (const c of chunks) parser.push(c);
  return { packets, reports };
}

describe('ZFM packet codec on captured hex', () => {
  it('encodes GenImg as the datasheet example', () => {
    // EF01 start | FFFFFFFF address | 01 command | 0003 length (1 payload + 2 checksum) | 01 GenImg | 0005 = 01+00+03+01
    expect(command(encodeCommand('GenImg', {}))).toBe('EF01FFFFFFFF010003010005');
  });

  it('encodes VfyPwd with the default password 0', () => {
    // 0007 length | 13 VfyPwd | 00000000 password | 001B = 01+00+07+13
    expect(command(encodeCommand('VfyPwd', { password: 0 }))).toBe('EF01FFFFFFFF010007130000000000' + '1B');
  });

  it('encodes Img2Tz into char buffer 1, UpImage and DownChar 2', () => {
    // 0004 | 02 Img2Tz | 01 buffer | 0008 = 01+04+02+01
    expect(command(encodeCommand('Img2Tz', { buffer: 1 }))).toBe('EF01FFFFFFFF01000402010008');
    // 0003 | 0A UpImage | 000E = 01+03+0A
    expect(command(encodeCommand('UpImage', {}))).toBe('EF01FFFFFFFF0100030A000E');
    // 0004 | 09 DownChar | 02 buffer | 0010 = 01+04+09+02
    expect(command(encodeCommand('DownChar', { buffer: 2 }))).toBe('EF01FFFFFFFF01000409020010');
    // 0006 | 06 Store | 01 buffer | 0007 page | 0015 = 01+06+06+01+07
    expect(command(encodeCommand('Store', { buffer: 1, pageId: 7 }))).toBe('EF01FFFFFFFF010006060100070015');
  });

  it('decodes the OK acknowledge', () => {
    // EF01 | FFFFFFFF | 07 ack | 0003 | 00 OK | 000A = 07+00+03+00
    const { packets, reports } = parse([hex('EF01 FFFFFFFF 07 0003 00 000A')]);
    expect(reports).toEqual([]);
    expect(packets).toHaveLength(1);
    expect(packets[0]?.type).toBe(PacketType.Ack);
    expect(decodeAck('GenImg', packets[0]?.payload ?? new Uint8Array())).toEqual({ confirmation: 0, result: {} });
  });

  it('decodes a ReadSysPara acknowledge into system parameters', () => {
    // 0013 length = 17 + 2 | 00 OK | 0000 status | 0009 system id | 03E8 capacity 1000 | 0003 security 3 |
    // FFFFFFFF address | 0002 packet size code (128 bytes) | 0006 baud N (57600) | 0515 checksum
    const { packets } = parse([hex('EF01 FFFFFFFF 07 0013 00 0000 0009 03E8 0003 FFFFFFFF 0002 0006 0515')]);
    expect(decodeAck('ReadSysPara', packets[0]?.payload ?? new Uint8Array()).result).toEqual({
      statusRegister: 0,
      systemId: 9,
      libraryCapacity: 1000,
      securityLevel: 3,
      address: 0xffffffff,
      packetSizeCode: 2,
      baudMultiplier: 6,
    });
  });

  it('keeps the Match score on "no match" (08) as well as on OK', () => {
    // 0005 | 00 OK | 0064 score 100 | 0070 = 07+05+00+64
    const ok = parse([hex('EF01 FFFFFFFF 07 0005 00 0064 0070')]).packets[0];
    expect(decodeAck('Match', ok?.payload ?? new Uint8Array())).toEqual({ confirmation: 0, result: { score: 100 } });
    expect(decodeAck('Match', encodeAck(ZfmCommands.Match, 0x08, { score: 12 }))).toEqual({ confirmation: 8, result: { score: 12 } });
    // A failure code carries no result even when one was offered.
    expect(decodeAck('Search', encodeAck(ZfmCommands.Search, 0x09, { pageId: 1, score: 1 }))).toEqual({ confirmation: 9, result: undefined });
  });

  it('reports a too-short acknowledge as FP_BAD_RESPONSE instead of throwing a RangeError', () => {
    let err: unknown;
    try {
      decodeAck('ReadSysPara', hex('00 0000 0009'));
    } catch (e) {
      err = e;
    }
    expect(isApplianceError(err, 'FP_BAD_RESPONSE')).toBe(true);
  });

  it('round-trips every command through encodeCommand/decodeCommand', () => {
    const samples: Record<string, unknown> = {
      Img2Tz: { buffer: 2 },
      Search: { buffer: 1, startPage: 0, pageCount: 1000 },
      Store: { buffer: 2, pageId: 300 },
      LoadChar: { buffer: 1, pageId: 42 },
      UpChar: { buffer: 1 },
      DownChar: { buffer: 2 },
      SetSysPara: { parameter: 6, value: 3 },
      VfyPwd: { password: 0xdeadbeef },
    };
    for (const name of Object.keys(ZfmCommands) as (keyof typeof ZfmCommands)[]) {
      const req = samples[name] ?? {};
      const d = decodeCommand(encodeCommand(name, req as never));
      expect('codec' in d && d.codec.name).toBe(name);
      if ('codec' in d) expect(d.req).toEqual(req);
      expect(commandByCode(ZfmCommands[name].code)?.name).toBe(name);
    }
    expect('error' in decodeCommand(hex('02 07'))).toBe(true); // buffer 7 does not exist
    expect('error' in decodeCommand(hex('77'))).toBe(true); // unknown instruction
  });

  it('never logs the password of VfyPwd', () => {
    expect(JSON.stringify((ZfmCommands.VfyPwd as AnyCommandCodec).logParams({ password: 0x1234 }))).not.toContain('4660');
  });
});

describe('ZFM confirmation codes', () => {
  it('maps every documented code to a typed error with an officer message', () => {
    expect(isApplianceError(confirmationError(0x02, 'GenImg'), 'FP_NO_FINGER')).toBe(true);
    expect(isApplianceError(confirmationError(0x06, 'Img2Tz'), 'FP_IMAGE_MESSY')).toBe(true);
    expect(isApplianceError(confirmationError(0x13, 'VfyPwd'), 'FP_WRONG_PASSWORD')).toBe(true);
    expect(isApplianceError(confirmationError(0x18, 'Store'), 'FP_FLASH_WRITE_ERROR')).toBe(true);
    for (const code of [0x01, 0x02, 0x03, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0d, 0x0e, 0x0f, 0x13, 0x15, 0x18]) {
      expect(confirmationCodes.has(code)).toBe(true);
      expect(confirmationError(code, 'X').message.length).toBeGreaterThan(20);
    }
  });

  it('maps an undocumented code to FP_UNKNOWN_CONFIRMATION carrying the raw code', () => {
    const err = confirmationError(0x42, 'GenImg');
    expect(err.code).toBe('FP_UNKNOWN_CONFIRMATION');
    expect(err.context).toMatchObject({ confirmation: '0x42', command: 'GenImg' });
  });
});

describe('ZfmStreamParser', () => {
  const ack = hex('EF01 FFFFFFFF 07 0003 00 000A');
  const noFinger = hex('EF01 FFFFFFFF 07 0003 02 000C'); // 07+03+02 = 0C

  it('delivers a packet split across many writes, byte by byte', () => {
    const { packets, reports } = parse([...ack].map((b) => Uint8Array.of(b)));
    expect(packets).toHaveLength(1);
    expect(reports).toEqual([]);
  });

  it('resyncs on EF 01 after leading garbage, including a lone EF and a false start', () => {
    // 00 13 EF 55: noise with a stray EF; EF 01 00 00 00 00 09 ...: a false start with identifier 09.
    const garbage = hex('0013EF55 EF0100000000 09');
    const { packets, reports } = parse([garbage, ack.subarray(0, 5), ack.subarray(5), noFinger]);
    expect(packets.map((p) => p.payload[0])).toEqual([0x00, 0x02]);
    expect(reports.some((r) => r.kind === 'garbage')).toBe(true);
    expect(reports).toContainEqual({ kind: 'bad-identifier', identifier: 0x09 });
  });

  it('keeps a start code split between chunks (… EF | 01 …)', () => {
    const { packets } = parse([Uint8Array.of(0x33, 0xef), ack.subarray(1)]);
    expect(packets).toHaveLength(1);
  });

  it('rejects a bad checksum and still finds the next good packet', () => {
    const bad = Uint8Array.from(ack);
    bad[10] = 0x0b; // checksum low byte 0A → 0B
    const { packets, reports } = parse([Buffer.concat([bad, noFinger])]);
    expect(reports).toContainEqual({ kind: 'bad-checksum', identifier: 0x07, length: 1 });
    expect(packets.map((p) => p.payload[0])).toEqual([0x02]);
  });

  it('rejects impossible lengths (0 and > 258) without waiting for bytes that never come', () => {
    const zero = hex('EF01 FFFFFFFF 07 0000');
    const huge = hex('EF01 FFFFFFFF 02 FFFF');
    const { packets, reports } = parse([zero, huge, ack]);
    expect(reports.filter((r) => r.kind === 'bad-length').map((r) => (r as { length: number }).length)).toEqual([0, 0xffff]);
    expect(packets).toHaveLength(1);
  });

  it('decodes data and end-data packets with their payloads', () => {
    // 08 end data | 0004 | AB CD | 0184 = 08+00+04+AB+CD
    const { packets } = parse([hex('EF01 FFFFFFFF 08 0004 ABCD 0184')]);
    expect(packets[0]).toEqual({ address: 0xffffffff, type: PacketType.EndData, payload: hex('ABCD') });
  });
});

describe('byte cursor', () => {
  it('writes and reads big-endian fields and reports truncation as a coded error', () => {
    const bytes = new ByteWriter(2).u8(0xef).u16(0x0102).u32(0xfffffffe).bytes(hex('AABB')).toBytes();
    expect(toHex(bytes)).toBe('EF0102FFFFFFFEAABB');
    const r = new ByteReader(bytes);
    expect([r.u8(), r.u16(), r.u32()]).toEqual([0xef, 0x0102, 0xfffffffe]);
    expect(toHex(r.rest())).toBe('AABB');
    let err: unknown;
    try {
      r.u16('page id');
    } catch (e) {
      err = e;
    }
    expect(isApplianceError(err, 'FRAME_INVALID')).toBe(true);
  });
});

describe('4-bit image packing', () => {
  it('unpacks high nibble first and replicates nibbles to 8 bits', () => {
    const packed = new Uint8Array(ZFM_IMAGE_BYTES);
    packed[0] = 0x0f;
    packed[1] = 0xa5;
    const img = unpackImage4bpp(packed);
    expect([...img.pixels.subarray(0, 4)]).toEqual([0x00, 0xff, 0xaa, 0x55]);
    expect(toHex(packImage4bpp(img).subarray(0, 2))).toBe('0FA5');
  });

  it('refuses a short image as FP_IMAGE_TRANSFER', () => {
    let err: unknown;
    try {
      unpackImage4bpp(new Uint8Array(ZFM_IMAGE_BYTES - 128));
    } catch (e) {
      err = e;
    }
    expect(isApplianceError(err, 'FP_IMAGE_TRANSFER')).toBe(true);
  });
});
