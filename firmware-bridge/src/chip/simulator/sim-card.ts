/**
 * A simulated eMRTD chip (ICAO 9303-10 LDS1 application, 9303-11 BAC and 3DES secure messaging), speaking
 * command/response APDUs. Its parsing and crypto are its own (sim-crypto.ts); the reader's code is not used.
 */
import { randomBytes } from 'node:crypto';
import { decrypt3, encrypt3, kdf, mac, pad, unpad } from './sim-crypto.ts';

export interface SimChipFiles {
  /** File identifier → contents (011E EF.COM, 0101 DG1, 0102 DG2, 011D EF.SOD). */
  readonly files: ReadonlyMap<number, Buffer>;
  /** BAC keys; null for a chip without access control. */
  readonly access: { enc: Buffer; mac: Buffer } | null;
}

/** Thrown by a behaviour to say the card left the field: the link drops the card. */
export class CardRemovedError extends Error {
  override readonly name = 'CardRemovedError';
}

export interface ChipBehaviour {
  /** Called before each READ BINARY with the bytes of the current file read so far; may throw CardRemovedError. */
  beforeRead?(fid: number, offset: number): void;
}

const AID = Buffer.from('A0000002471001', 'hex');
const sw = (v: number) => Buffer.from([v >> 8, v & 0xff]);

interface Cmd {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  data: Buffer;
  le: number;
  extended: boolean;
}

/** ISO/IEC 7816-3 §12.1 cases 1–4, short and extended. Null when the APDU is not well formed. */
function parse(apdu: Buffer): Cmd | null {
  if (apdu.length < 4) return null;
  const [cla, ins, p1, p2] = apdu as unknown as [number, number, number, number];
  const rest = apdu.subarray(4);
  const base = { cla, ins, p1, p2 };
  if (rest.length === 0) return { ...base, data: Buffer.alloc(0), le: 0, extended: false };
  if (rest.length === 1) return { ...base, data: Buffer.alloc(0), le: rest[0] || 256, extended: false };
  if (rest[0] !== 0) {
    const lc = rest[0] as number;
    if (rest.length === 1 + lc) return { ...base, data: rest.subarray(1), le: 0, extended: false };
    if (rest.length === 2 + lc) return { ...base, data: rest.subarray(1, 1 + lc), le: rest[1 + lc] || 256, extended: false };
    return null;
  }
  if (rest.length === 3) return { ...base, data: Buffer.alloc(0), le: rest.readUInt16BE(1) || 65536, extended: true };
  const lc = rest.readUInt16BE(1);
  if (rest.length === 3 + lc) return { ...base, data: rest.subarray(3), le: 0, extended: true };
  if (rest.length === 5 + lc) return { ...base, data: rest.subarray(3, 3 + lc), le: rest.readUInt16BE(3 + lc) || 65536, extended: true };
  return null;
}

function tlv(tag: number, value: Buffer): Buffer {
  const n = value.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), value]);
}

/** Flat walk of single-byte-tag data objects (all the SM objects are single-byte tags). */
function objects(buf: Buffer): Map<number, { value: Buffer; raw: Buffer }> | null {
  const out = new Map<number, { value: Buffer; raw: Buffer }>();
  let p = 0;
  while (p < buf.length) {
    const start = p;
    const tag = buf[p++] as number;
    let len = buf[p++];
    if (len === undefined) return null;
    if (len === 0x81) len = buf[p++];
    else if (len === 0x82) {
      len = buf.readUInt16BE(p);
      p += 2;
    }
    if (len === undefined || p + len > buf.length) return null;
    out.set(tag, { value: buf.subarray(p, p + len), raw: buf.subarray(start, p + len) });
    p += len;
  }
  return out;
}

export class SimulatedChip {
  #appSelected = false;
  #file: number | null = null;
  #challenge: Buffer | null = null;
  #session: { enc: Buffer; mac: Buffer; ssc: bigint } | null = null;

  constructor(
    private readonly chip: SimChipFiles,
    private readonly behaviour: ChipBehaviour = {},
  ) {}

  /** Power-on or reset: the chip forgets its selection and session. */
  reset(): void {
    this.#appSelected = false;
    this.#file = null;
    this.#challenge = null;
    this.#session = null;
  }

  /** One APDU in, one response out. Throws CardRemovedError when a behaviour pulls the card. */
  process(apdu: Buffer): Buffer {
    const cmd = parse(apdu);
    if (!cmd) return sw(0x6700);
    if (this.#session && (cmd.cla & 0x0c) === 0x0c) return this.#secured(cmd);
    if (this.#session) this.#session = null; // A plain command ends secure messaging (9303-11 §9.8.4).
    const r = this.#execute(cmd, false);
    return Buffer.concat([r.data, sw(r.sw)]);
  }

  #secured(cmd: Cmd): Buffer {
    const s = this.#session as { enc: Buffer; mac: Buffer; ssc: bigint };
    const next = () => {
      s.ssc = (s.ssc + 1n) & 0xffffffffffffffffn;
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(s.ssc);
      return b;
    };
    const dos = objects(cmd.data);
    const cc = dos?.get(0x8e);
    if (!dos || !cc) {
      this.#session = null;
      return sw(0x6988);
    }
    const body = dos.get(0x87) ?? dos.get(0x85);
    const le97 = dos.get(0x97);
    const header = pad(Buffer.from([cmd.cla, cmd.ins, cmd.p1, cmd.p2]));
    const macInput = Buffer.concat([next(), header, body?.raw ?? Buffer.alloc(0), le97?.raw ?? Buffer.alloc(0)]);
    if (!mac(s.mac, macInput).equals(cc.value)) {
      this.#session = null;
      return sw(0x6988);
    }
    let data: Buffer = Buffer.alloc(0);
    if (body) data = unpad(decrypt3(s.enc, dos.has(0x87) ? body.value.subarray(1) : body.value));
    let le = 0;
    if (le97) le = le97.value.length === 1 ? le97.value[0] || 256 : le97.value.readUInt16BE(0) || 65536;
    const r = this.#execute({ ...cmd, cla: cmd.cla & ~0x0c, data, le }, true);
    const out: Buffer[] = [];
    if (r.data.length > 0) {
      const enc = encrypt3(s.enc, pad(r.data));
      out.push(cmd.ins & 1 ? tlv(0x85, enc) : tlv(0x87, Buffer.concat([Buffer.from([1]), enc])));
    }
    out.push(tlv(0x99, sw(r.sw)));
    const rmac = mac(s.mac, Buffer.concat([next(), ...out]));
    return Buffer.concat([...out, tlv(0x8e, rmac), sw(0x9000)]);
  }

  #execute(cmd: Cmd, secured: boolean): { data: Buffer; sw: number } {
    const none = Buffer.alloc(0);
    const locked = this.chip.access !== null && !secured;
    switch (cmd.ins) {
      case 0xa4: {
        if (cmd.p1 === 0x04) {
          this.#appSelected = cmd.data.equals(AID);
          return { data: none, sw: this.#appSelected ? 0x9000 : 0x6a82 };
        }
        if (cmd.p1 === 0x02 && cmd.data.length === 2) {
          if (!this.#appSelected) return { data: none, sw: 0x6a82 };
          if (locked) return { data: none, sw: 0x6982 };
          const fid = cmd.data.readUInt16BE(0);
          if (!this.chip.files.has(fid)) return { data: none, sw: 0x6a82 };
          this.#file = fid;
          return { data: none, sw: 0x9000 };
        }
        return { data: none, sw: 0x6a86 };
      }
      case 0x84:
        if (!this.chip.access) return { data: none, sw: 0x6d00 };
        this.#challenge = randomBytes(8);
        return { data: this.#challenge, sw: 0x9000 };
      case 0x82:
        return this.#authenticate(cmd.data);
      case 0xb0:
      case 0xb1: {
        if (locked) return { data: none, sw: 0x6982 };
        if (this.#file === null) return { data: none, sw: 0x6986 };
        let offset = ((cmd.p1 & 0x7f) << 8) | cmd.p2;
        if (cmd.ins === 0xb1) {
          const o = objects(cmd.data)?.get(0x54);
          if (!o) return { data: none, sw: 0x6a80 };
          offset = o.value.readUIntBE(0, o.value.length);
        }
        const file = this.chip.files.get(this.#file) as Buffer;
        if (offset > file.length) return { data: none, sw: 0x6b00 };
        this.behaviour.beforeRead?.(this.#file, offset);
        const want = cmd.ins === 0xb1 ? Math.max(0, cmd.le - 4) : cmd.le;
        const slice = file.subarray(offset, offset + want);
        const data = cmd.ins === 0xb1 ? tlv(0x53, slice) : slice;
        return { data, sw: slice.length < want ? 0x6282 : 0x9000 };
      }
      default:
        return { data: none, sw: 0x6d00 };
    }
  }

  /** EXTERNAL AUTHENTICATE, chip side of 9303-11 §9.7.2. */
  #authenticate(data: Buffer): { data: Buffer; sw: number } {
    const keys = this.chip.access;
    const rndIc = this.#challenge;
    this.#challenge = null;
    if (!keys || !rndIc) return { data: Buffer.alloc(0), sw: 0x6985 };
    if (data.length !== 40 || !mac(keys.mac, data.subarray(0, 32)).equals(data.subarray(32))) return { data: Buffer.alloc(0), sw: 0x6300 };
    const s = decrypt3(keys.enc, data.subarray(0, 32));
    if (!s.subarray(8, 16).equals(rndIc)) return { data: Buffer.alloc(0), sw: 0x6300 };
    const rndIfd = s.subarray(0, 8);
    const kIc = randomBytes(16);
    const eIc = encrypt3(keys.enc, Buffer.concat([rndIc, rndIfd, kIc]));
    const seed = Buffer.from(kIc.map((b, i) => b ^ (s[16 + i] as number)));
    this.#session = {
      enc: kdf(seed, 1),
      mac: kdf(seed, 2),
      ssc: Buffer.concat([rndIc.subarray(4), rndIfd.subarray(4)]).readBigUInt64BE(),
    };
    return { data: Buffer.concat([eIc, mac(keys.mac, eIc)]), sw: 0x9000 };
  }
}
