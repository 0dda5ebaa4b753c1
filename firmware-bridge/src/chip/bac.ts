/**
 * BAC mutual authentication, ICAO 9303-11 §4.3.3 and §9.7.2 (terminal side):
 * GET CHALLENGE gives RND.IC; the terminal sends E_IFD ‖ M_IFD in EXTERNAL AUTHENTICATE where
 * S = RND.IFD ‖ RND.IC ‖ K.IFD, E_IFD = 3DES(K_enc, S), M_IFD = MAC(K_mac, E_IFD); the chip answers
 * E_IC ‖ M_IC with R = RND.IC ‖ RND.IFD ‖ K.IC. Session keys come from K.IFD ⊕ K.IC and the SSC from
 * the low 4 bytes of both nonces.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ApplianceError, FirmwareBridgeErrors } from '../errors.ts';
import type { CommandApdu } from './apdu.ts';
import { type BacKeys, deriveKeys } from './bac-keys.ts';
import { retailMac, tdesDecrypt, tdesEncrypt } from './des.ts';

export interface SessionKeys {
  readonly ksEnc: Buffer;
  readonly ksMac: Buffer;
  /** 8 bytes under 3DES, 16 under AES. */
  readonly ssc: Buffer;
  /** The SM cipher suite: 3DES (BAC, the default) or AES (PACE with an AES protocol). */
  readonly cipher?: '3des' | 'aes';
}

export const GET_CHALLENGE: CommandApdu = { cla: 0x00, ins: 0x84, p1: 0x00, p2: 0x00, ne: 8 };

/** The terminal's half of one BAC run: its nonce and key part are fixed at construction (injectable for the Appendix D vectors). */
export class BacHandshake {
  readonly rndIfd: Buffer;
  readonly kIfd: Buffer;
  constructor(
    private readonly keys: BacKeys,
    private readonly rndIc: Buffer,
    random: { rndIfd?: Uint8Array; kIfd?: Uint8Array } = {},
  ) {
    if (rndIc.length !== 8) throw new ApplianceError(FirmwareBridgeErrors.CHIP_ACCESS_DENIED.code, 'GET CHALLENGE answered without an 8-byte nonce');
    this.rndIfd = Buffer.from(random.rndIfd ?? randomBytes(8));
    this.kIfd = Buffer.from(random.kIfd ?? randomBytes(16));
  }

  /** EXTERNAL AUTHENTICATE with E_IFD ‖ M_IFD, Le 40 (9303-11 §9.7.2 step 4). */
  externalAuthenticate(): CommandApdu {
    const eIfd = tdesEncrypt(this.keys.kEnc, Buffer.concat([this.rndIfd, this.rndIc, this.kIfd]));
    const mIfd = retailMac(this.keys.kMac, eIfd);
    return { cla: 0x00, ins: 0x82, p1: 0x00, p2: 0x00, data: Buffer.concat([eIfd, mIfd]), ne: 40 };
  }

  /** Checks the chip's E_IC ‖ M_IC and derives the session keys and SSC; throws CHIP_ACCESS_DENIED when anything is off. */
  complete(response: Uint8Array): SessionKeys {
    const denied = (why: string) => new ApplianceError(FirmwareBridgeErrors.CHIP_ACCESS_DENIED.code, `BAC: ${why}`);
    if (response.length !== 40) throw denied(`EXTERNAL AUTHENTICATE answered ${response.length} bytes, not 40`);
    const eIc = response.subarray(0, 32);
    const mIc = response.subarray(32, 40);
    if (!timingSafeEqual(retailMac(this.keys.kMac, eIc), mIc)) throw denied("the chip's MAC does not verify");
    const r = tdesDecrypt(this.keys.kEnc, eIc);
    if (!r.subarray(0, 8).equals(this.rndIc) || !r.subarray(8, 16).equals(this.rndIfd)) throw denied('the nonces do not match');
    const kIc = r.subarray(16, 32);
    const seed = Buffer.alloc(16);
    for (let i = 0; i < 16; i++) seed[i] = (this.kIfd[i] as number) ^ (kIc[i] as number);
    const { kEnc, kMac } = deriveKeys(seed);
    const ssc = Buffer.concat([this.rndIc.subarray(4, 8), this.rndIfd.subarray(4, 8)]);
    return { ksEnc: kEnc, ksMac: kMac, ssc };
  }
}
