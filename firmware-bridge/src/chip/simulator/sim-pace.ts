/**
 * The simulated chip's side of PACE v2 (ICAO 9303-11 §4.4, ECDH Generic Mapping, AES): EF.CardAccess,
 * MSE:Set AT and the four GENERAL AUTHENTICATE steps. Its own code (not the reader's pace.ts); it shares
 * only the low-level primitives: @noble/curves point arithmetic and node:crypto AES.
 */
import { randomBytes } from 'node:crypto';
import { brainpoolP256r1, brainpoolP384r1, brainpoolP512r1 } from '@noble/curves/misc.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { aesCmac, aesKdf, cbcEncrypt } from './sim-aes.ts';
import { objects, tlv } from './sim-tlv.ts';

type Point = InstanceType<typeof p256.Point>;
const CURVES: Record<number, { Point: typeof p256.Point; size: number }> = {
  12: { Point: p256.Point, size: 32 },
  13: { Point: brainpoolP256r1.Point, size: 32 },
  15: { Point: p384.Point, size: 48 },
  16: { Point: brainpoolP384r1.Point, size: 48 },
  17: { Point: brainpoolP512r1.Point, size: 64 },
  18: { Point: p521.Point, size: 66 },
};

/** One entry of EF.CardAccess. */
export interface SimPaceOffer {
  readonly oid: string;
  readonly parameterId: number;
}

export interface SimPaceSetup {
  /** The PACE protocol this chip runs (an id-PACE-ECDH-GM-AES-… OID). */
  readonly oid: string;
  readonly parameterId: number;
  /** f(π): SHA-1 of the MRZ information printed on the data page. */
  readonly password: Buffer;
  /** EF.CardAccess as stored (it may list protocols the chip does not run in this simulator). */
  readonly cardAccess: Buffer;
  /** Test fault: refuse MSE:Set AT (6A80), as a chip whose PACE is broken. */
  readonly refuse?: boolean;
}

/** Base-128 DER content of a dotted OID. */
export function oidContent(oid: string): Buffer {
  const arcs = oid.split('.').map(Number);
  const out: number[] = [];
  const [a = 0, b = 0, ...rest] = arcs;
  for (const arc of [40 * a + b, ...rest]) {
    const bytes = [arc & 0x7f];
    for (let v = arc >> 7; v > 0; v >>= 7) bytes.unshift((v & 0x7f) | 0x80);
    out.push(...bytes);
  }
  return Buffer.from(out);
}

/** EF.CardAccess: SET OF PACEInfo { OID, version 2, parameterId } (9303-11 §9.2.1). */
export function buildCardAccess(offers: readonly SimPaceOffer[]): Buffer {
  const infos = offers.map((o) => tlv(0x30, Buffer.concat([tlv(0x06, oidContent(o.oid)), tlv(0x02, Buffer.from([2])), tlv(0x02, Buffer.from([o.parameterId]))])));
  return tlv(0x31, Buffer.concat(infos));
}

/** The AES key length an id-PACE-…-AES-CBC-CMAC-{128,192,256} OID ends with. */
const keyBytesOf = (oid: string) => ({ '2': 16, '3': 24, '4': 32 })[oid.split('.').pop() ?? ''] ?? 0;

export interface SimAesSession {
  readonly ksEnc: Buffer;
  readonly ksMac: Buffer;
}

export interface SimPaceFixed {
  readonly nonce?: Buffer;
  readonly mapKey?: bigint;
  readonly dhKey?: bigint;
}

type Answer = { data: Buffer; sw: number; session?: SimAesSession };

const none = Buffer.alloc(0);
const big = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);

/** One PACE run on the chip, from MSE:Set AT to the tokens. */
export class SimPaceRun {
  #step = 1;
  readonly #curve: { Point: typeof p256.Point; size: number };
  readonly #kPi: Buffer;
  readonly #keyBytes: number;
  #nonce: Buffer = none;
  #mapped: Point | null = null;
  #pkIc: Buffer = none;
  #pkIfd: Buffer = none;
  #session: SimAesSession | null = null;

  constructor(
    private readonly setup: SimPaceSetup,
    private readonly fixed: SimPaceFixed = {},
  ) {
    const curve = CURVES[setup.parameterId];
    this.#keyBytes = keyBytesOf(setup.oid);
    if (!curve || !this.#keyBytes) throw new Error(`simulator: no PACE for ${setup.oid} / ${setup.parameterId}`);
    this.#curve = curve;
    this.#kPi = aesKdf(setup.password, 3, this.#keyBytes);
  }

  /** MSE:Set AT data: DO80 the OID, DO83 the password (01 = MRZ), DO84 the parameter ID if present. */
  static accepts(setup: SimPaceSetup, data: Buffer): boolean {
    const dos = objects(data);
    if (!dos || setup.refuse) return false;
    const ref = dos.get(0x84);
    return (
      dos.get(0x80)?.value.equals(oidContent(setup.oid)) === true &&
      dos.get(0x83)?.value.equals(Buffer.from([1])) === true &&
      (!ref || (ref.value.length === 1 && ref.value[0] === setup.parameterId))
    );
  }

  #scalar(fixed: bigint | undefined): bigint {
    const n = this.#curve.Point.Fn.ORDER;
    return fixed ?? (big(randomBytes(this.#curve.size + 8)) % (n - 1n)) + 1n;
  }

  #point(bytes: Buffer | undefined): Point | null {
    if (!bytes || bytes.length !== 1 + 2 * this.#curve.size || bytes[0] !== 4) return null;
    try {
      const p = this.#curve.Point.fromBytes(Uint8Array.from(bytes));
      p.assertValidity();
      return p;
    } catch {
      return null;
    }
  }

  #token(ksMac: Buffer, pk: Buffer): Buffer {
    const body = Buffer.concat([tlv(0x06, oidContent(this.setup.oid)), tlv(0x86, pk)]);
    const m = tlv(0x7f49, body);
    return aesCmac(ksMac, m).subarray(0, 8);
  }

  /** One GENERAL AUTHENTICATE; `chained` is CLA bit 5 (10): the first three steps are chained, the last is not. */
  step(data: Buffer, chained: boolean): Answer {
    const outer = objects(data)?.get(0x7c);
    const dos = outer ? objects(outer.value) : null;
    if (!dos) return { data: none, sw: 0x6a80 };
    if (chained !== this.#step < 4) return { data: none, sw: 0x6883 };
    const { Point, size } = this.#curve;
    switch (this.#step) {
      case 1: {
        this.#nonce = this.fixed.nonce ?? randomBytes(16);
        this.#step = 2;
        return { data: tlv(0x7c, tlv(0x80, cbcEncrypt(this.#kPi, Buffer.alloc(16), this.#nonce))), sw: 0x9000 };
      }
      case 2: {
        const pkMapIfd = this.#point(dos.get(0x81)?.value);
        if (!pkMapIfd) return { data: none, sw: 0x6a80 };
        const sk = this.#scalar(this.fixed.mapKey);
        const h = pkMapIfd.multiply(sk);
        this.#mapped = Point.BASE.multiply(big(this.#nonce) % Point.Fn.ORDER).add(h);
        this.#step = 3;
        return { data: tlv(0x7c, tlv(0x82, Buffer.from(Point.BASE.multiply(sk).toBytes(false)))), sw: 0x9000 };
      }
      case 3: {
        const raw = dos.get(0x83)?.value;
        const pkIfd = this.#point(raw);
        if (!pkIfd || !this.#mapped) return { data: none, sw: 0x6a80 };
        const sk = this.#scalar(this.fixed.dhKey);
        this.#pkIc = Buffer.from(this.#mapped.multiply(sk).toBytes(false));
        if (this.#pkIc.equals(raw as Buffer)) return { data: none, sw: 0x6a80 };
        this.#pkIfd = Buffer.from(raw as Buffer);
        const k = Buffer.from(pkIfd.multiply(sk).toBytes(false)).subarray(1, 1 + size);
        this.#session = { ksEnc: aesKdf(k, 1, this.#keyBytes), ksMac: aesKdf(k, 2, this.#keyBytes) };
        this.#step = 4;
        return { data: tlv(0x7c, tlv(0x84, this.#pkIc)), sw: 0x9000 };
      }
      default: {
        const s = this.#session;
        const t = dos.get(0x85)?.value;
        if (!(s && t?.equals(this.#token(s.ksMac, this.#pkIc)))) return { data: none, sw: 0x6300 };
        return { data: tlv(0x7c, tlv(0x86, this.#token(s.ksMac, this.#pkIfd))), sw: 0x9000, session: s };
      }
    }
  }
}
