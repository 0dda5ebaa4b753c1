/**
 * A simulated eMRTD chip (ICAO 9303-10 LDS1 application; 9303-11 BAC with 3DES secure messaging and
 * PACE with AES secure messaging; EF.CardAccess in the MF), speaking command/response APDUs. Its parsing
 * and crypto are its own (sim-crypto.ts, sim-aes.ts, sim-pace.ts); the reader's code is not used.
 */
import { randomBytes } from 'node:crypto';
import { aesCmac, cbcDecrypt, cbcEncrypt, smIv } from './sim-aes.ts';
import { decrypt3, encrypt3, kdf, mac, pad, unpad } from './sim-crypto.ts';
import { type SimAesSession, type SimPaceFixed, SimPaceRun, type SimPaceSetup } from './sim-pace.ts';
import { objects, tlv } from './sim-tlv.ts';

export interface SimChipFiles {
  /** File identifier → contents (011E EF.COM, 0101 DG1, 0102 DG2, 011D EF.SOD). */
  readonly files: ReadonlyMap<number, Buffer>;
  /** BAC keys; null for a chip without BAC (no access control, or PACE only). */
  readonly access: { enc: Buffer; mac: Buffer } | null;
  /** PACE (EF.CardAccess in the MF); null for a chip without it. */
  readonly pace?: SimPaceSetup | null;
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

/** Secure-messaging keys and counter: 3DES after BAC (8-byte SSC), AES after PACE (16-byte SSC). */
interface Session {
  readonly block: 8 | 16;
  ssc: bigint;
  encrypt(data: Buffer, ssc: Buffer): Buffer;
  decrypt(data: Buffer, ssc: Buffer): Buffer;
  mac(data: Buffer): Buffer;
}

function bacSession(enc: Buffer, macKey: Buffer, ssc: bigint): Session {
  return { block: 8, ssc, encrypt: (d) => encrypt3(enc, d), decrypt: (d) => decrypt3(enc, d), mac: (d) => mac(macKey, d) };
}

function aesSession(k: SimAesSession): Session {
  return {
    block: 16,
    ssc: 0n,
    encrypt: (d, ssc) => cbcEncrypt(k.ksEnc, smIv(k.ksEnc, ssc), d),
    decrypt: (d, ssc) => cbcDecrypt(k.ksEnc, smIv(k.ksEnc, ssc), d),
    mac: (d) => aesCmac(k.ksMac, pad(d, 16)).subarray(0, 8),
  };
}

/** EF.CardAccess: file identifier 011C, short EF identifier 1C, in the MF. */
const CARD_ACCESS = 0x011c;

export class SimulatedChip {
  #appSelected = false;
  #file: number | null = null;
  #challenge: Buffer | null = null;
  #session: Session | null = null;
  #pace: SimPaceRun | null = null;

  constructor(
    private readonly chip: SimChipFiles,
    private readonly behaviour: ChipBehaviour = {},
    /** Fixed PACE nonce and keys (the Appendix G test). */
    private readonly paceFixed: SimPaceFixed = {},
  ) {}

  /** Power-on or reset: the chip forgets its selection and session. */
  reset(): void {
    this.#appSelected = false;
    this.#file = null;
    this.#challenge = null;
    this.#session = null;
    this.#pace = null;
  }

  /** One APDU in, one response out. Throws CardRemovedError when a behaviour pulls the card. */
  process(apdu: Buffer): Buffer {
    const cmd = parse(apdu);
    if (!cmd) return sw(0x6700);
    if (this.#session && (cmd.cla & 0x0c) === 0x0c) return this.#secured(cmd);
    if (this.#session) this.#session = null; // A plain command ends secure messaging (9303-11 §9.8.4).
    if (this.#pace && cmd.ins !== 0x86) this.#pace = null; // Anything but GENERAL AUTHENTICATE abandons a PACE run.
    const r = this.#execute(cmd, false);
    return Buffer.concat([r.data, sw(r.sw)]);
  }

  #secured(cmd: Cmd): Buffer {
    const s = this.#session as Session;
    const next = () => {
      s.ssc = (s.ssc + 1n) % (1n << BigInt(8 * s.block));
      return Buffer.from(s.ssc.toString(16).padStart(2 * s.block, '0'), 'hex');
    };
    const dos = objects(cmd.data);
    const cc = dos?.get(0x8e);
    if (!dos || !cc) {
      this.#session = null;
      return sw(0x6988);
    }
    const body = dos.get(0x87) ?? dos.get(0x85);
    const le97 = dos.get(0x97);
    const header = pad(Buffer.from([cmd.cla, cmd.ins, cmd.p1, cmd.p2]), s.block);
    const commandSsc = next();
    const macInput = Buffer.concat([commandSsc, header, body?.raw ?? Buffer.alloc(0), le97?.raw ?? Buffer.alloc(0)]);
    if (!s.mac(macInput).equals(cc.value)) {
      this.#session = null;
      return sw(0x6988);
    }
    let data: Buffer = Buffer.alloc(0);
    if (body) data = unpad(s.decrypt(dos.has(0x87) ? body.value.subarray(1) : body.value, commandSsc));
    let le = 0;
    if (le97) le = le97.value.length === 1 ? le97.value[0] || 256 : le97.value.readUInt16BE(0) || 65536;
    const r = this.#execute({ ...cmd, cla: cmd.cla & ~0x0c, data, le }, true);
    const out: Buffer[] = [];
    const responseSsc = next();
    if (r.data.length > 0) {
      const enc = s.encrypt(pad(r.data, s.block), responseSsc);
      out.push(cmd.ins & 1 ? tlv(0x85, enc) : tlv(0x87, Buffer.concat([Buffer.from([1]), enc])));
    }
    out.push(tlv(0x99, sw(r.sw)));
    const rmac = s.mac(Buffer.concat([responseSsc, ...out]));
    return Buffer.concat([...out, tlv(0x8e, rmac), sw(0x9000)]);
  }

  #execute(cmd: Cmd, secured: boolean): { data: Buffer; sw: number } {
    const none = Buffer.alloc(0);
    const locked = (this.chip.access !== null || !!this.chip.pace) && !secured;
    switch (cmd.ins) {
      case 0xa4: {
        if (cmd.p1 === 0x00 && (cmd.data.length === 0 || cmd.data.equals(Buffer.from([0x3f, 0x00])))) {
          this.#appSelected = false;
          this.#file = null;
          return { data: none, sw: 0x9000 };
        }
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
      case 0x22:
        if (!this.chip.pace || cmd.p1 !== 0xc1 || cmd.p2 !== 0xa4) return { data: none, sw: this.chip.pace ? 0x6a86 : 0x6d00 };
        if (!SimPaceRun.accepts(this.chip.pace, cmd.data)) return { data: none, sw: 0x6a80 };
        this.#pace = new SimPaceRun(this.chip.pace, this.paceFixed);
        return { data: none, sw: 0x9000 };
      case 0x86: {
        const run = this.#pace;
        if (!this.chip.pace) return { data: none, sw: 0x6d00 };
        if (!run) return { data: none, sw: 0x6985 };
        const a = run.step(cmd.data, (cmd.cla & 0x10) !== 0);
        if (a.sw !== 0x9000 || a.session) this.#pace = null;
        if (a.session) this.#session = aesSession(a.session);
        return { data: a.data, sw: a.sw };
      }
      case 0xb0:
      case 0xb1: {
        // Short EF identifier in P1 (bit 8 set, INS B0): EF.CardAccess (1C) in the MF, readable without access control.
        if (cmd.ins === 0xb0 && cmd.p1 & 0x80) {
          if (this.#appSelected || (cmd.p1 & 0x1f) !== 0x1c || !this.chip.pace) return { data: none, sw: 0x6a82 };
          this.#file = CARD_ACCESS;
        }
        const mfFile = this.#file === CARD_ACCESS && !this.#appSelected;
        if (locked && !mfFile) return { data: none, sw: 0x6982 };
        if (this.#file === null) return { data: none, sw: 0x6986 };
        let offset = cmd.p1 & 0x80 ? cmd.p2 : ((cmd.p1 & 0x7f) << 8) | cmd.p2;
        if (cmd.ins === 0xb1) {
          const o = objects(cmd.data)?.get(0x54);
          if (!o) return { data: none, sw: 0x6a80 };
          offset = o.value.readUIntBE(0, o.value.length);
        }
        const file = (mfFile ? this.chip.pace?.cardAccess : this.chip.files.get(this.#file)) as Buffer;
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
    this.#session = bacSession(kdf(seed, 1), kdf(seed, 2), Buffer.concat([rndIc.subarray(4), rndIfd.subarray(4)]).readBigUInt64BE());
    return { data: Buffer.concat([eIc, mac(keys.mac, eIc)]), sw: 0x9000 };
  }
}
