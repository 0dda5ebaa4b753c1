/**
 * ISO/IEC 7816-4 command and response APDUs, short and extended length (§5.1).
 * `ne` is the number of response bytes expected: 256 encodes as Le 00 (short), 65536 as 0000 (extended).
 */
export interface CommandApdu {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  readonly data?: Uint8Array;
  readonly ne?: number;
}

export interface ResponseApdu {
  readonly data: Buffer;
  readonly sw: number;
}

/** True when the command needs extended length fields (data over 255 bytes or more than 256 expected). */
export function needsExtended(cmd: CommandApdu): boolean {
  return (cmd.data?.length ?? 0) > 255 || (cmd.ne ?? 0) > 256;
}

export function encodeCommand(cmd: CommandApdu, forceExtended = false): Buffer {
  const ext = forceExtended || needsExtended(cmd);
  const parts: number[] = [cmd.cla, cmd.ins, cmd.p1, cmd.p2];
  const data = cmd.data ?? new Uint8Array();
  if (data.length > 0) {
    if (ext) parts.push(0, data.length >> 8, data.length & 0xff);
    else parts.push(data.length);
  }
  const head = Buffer.from(parts);
  const le: number[] = [];
  if (cmd.ne !== undefined && cmd.ne > 0) {
    if (ext) {
      const v = cmd.ne >= 65536 ? 0 : cmd.ne;
      if (data.length === 0) le.push(0);
      le.push(v >> 8, v & 0xff);
    } else {
      le.push(cmd.ne >= 256 ? 0 : cmd.ne);
    }
  }
  return Buffer.concat([head, data, Buffer.from(le)]);
}

export function decodeResponse(raw: Uint8Array): ResponseApdu {
  if (raw.length < 2) throw new RangeError(`response APDU of ${raw.length} bytes has no status word`);
  const b = Buffer.from(raw);
  return { data: b.subarray(0, b.length - 2), sw: b.readUInt16BE(b.length - 2) };
}

export const hexSw = (sw: number) => sw.toString(16).toUpperCase().padStart(4, '0');

/** 9000 and the 61XX "more data" family are successes; 6282 (end of file reached before Ne) is a warning with data. */
export const isSuccess = (sw: number) => sw === 0x9000 || sw === 0x6282 || (sw & 0xff00) === 0x6100;
