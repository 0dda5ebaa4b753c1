import { ByteWriter } from './byte-cursor.ts';

/**
 * ZFM/R30x packet envelope (R307/R503/AS608 datasheets, "Instruction system / packet format";
 * same layout in Adafruit_Fingerprint.h):
 *
 *   EF 01 | address (4, BE) | identifier (1) | length (2, BE) = payload + 2 | payload | checksum (2, BE)
 *
 * checksum = low 16 bits of identifier + both length bytes + every payload byte (start code and
 * address are not summed).
 */
export const ZFM_START = [0xef, 0x01] as const;
export const ZFM_HEADER_BYTES = 9; // start(2) + address(4) + identifier(1) + length(2)
export const ZFM_OVERHEAD_BYTES = ZFM_HEADER_BYTES + 2; // + checksum
export const ZFM_DEFAULT_ADDRESS = 0xffffffff;

export const PacketType = {
  Command: 0x01,
  Data: 0x02,
  Ack: 0x07,
  EndData: 0x08,
} as const;
export type PacketType = (typeof PacketType)[keyof typeof PacketType];

const packetTypes = new Set<number>(Object.values(PacketType));
export function isPacketType(v: number): v is PacketType {
  return packetTypes.has(v);
}

export function packetTypeName(t: PacketType): string {
  switch (t) {
    case PacketType.Command:
      return 'command';
    case PacketType.Data:
      return 'data';
    case PacketType.Ack:
      return 'ack';
    case PacketType.EndData:
      return 'end-data';
  }
}

export interface ZfmPacket {
  readonly address: number;
  readonly type: PacketType;
  readonly payload: Uint8Array;
}

export function zfmChecksum(type: number, lengthField: number, payload: Uint8Array): number {
  let sum = type + ((lengthField >>> 8) & 0xff) + (lengthField & 0xff);
  for (const b of payload) sum += b;
  return sum & 0xffff;
}

export function encodePacket(packet: ZfmPacket): Uint8Array {
  const lengthField = packet.payload.length + 2;
  return new ByteWriter(ZFM_OVERHEAD_BYTES + packet.payload.length)
    .u8(ZFM_START[0])
    .u8(ZFM_START[1])
    .u32(packet.address)
    .u8(packet.type)
    .u16(lengthField)
    .bytes(packet.payload)
    .u16(zfmChecksum(packet.type, lengthField, packet.payload))
    .toBytes();
}

/** A packet's log form: never the payload of data packets (biometric) nor of commands (passwords). */
export function packetLogEntry(packet: ZfmPacket): Record<string, unknown> {
  return { type: packetTypeName(packet.type), length: packet.payload.length };
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}
