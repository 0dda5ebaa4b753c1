/**
 * Secure messaging, ICAO 9303-11 §9.8 (terminal side), 3DES after BAC or AES after PACE (the cipher
 * suite is sm-cipher.ts). Every command is sent as CLA|0C, INS, P1, P2 with DO'87' (or DO'85' for an
 * odd INS) carrying the padded, encrypted data, DO'97' carrying Le, and DO'8E' the MAC over
 * SSC ‖ padded header ‖ DOs; every response is checked the same way over DO'87'/'85' ‖ DO'99' before
 * its data is decrypted.
 */
import { timingSafeEqual } from 'node:crypto';
import { ApplianceError, FirmwareBridgeErrors } from '../errors.ts';
import { type CommandApdu, encodeCommand, type ResponseApdu } from './apdu.ts';
import type { SessionKeys } from './bac.ts';
import { padIso9797m2, unpadIso9797m2 } from './des.ts';
import { aesSm, type SmCipher, tdesSm } from './sm-cipher.ts';
import { SendSequenceCounter } from './ssc.ts';
import { encodeTlv, splitTlvs } from './tlv.ts';

const smError = (why: string) => new ApplianceError(FirmwareBridgeErrors.CHIP_SECURE_MESSAGING.code, `secure messaging: ${why}`);

export class SecureMessaging {
  readonly #cipher: SmCipher;
  readonly #ssc: SendSequenceCounter;

  constructor(keys: SessionKeys) {
    this.#cipher = keys.cipher === 'aes' ? aesSm(keys.ksEnc, keys.ksMac) : tdesSm(keys.ksEnc, keys.ksMac);
    this.#ssc = new SendSequenceCounter(keys.ssc);
  }

  /** 'aes' after PACE with an AES protocol, else '3des'. */
  get cipher(): '3des' | 'aes' {
    return this.#cipher.block === 16 ? 'aes' : '3des';
  }

  /** The counter's current value (tests compare it with Appendix D). */
  get ssc(): Buffer {
    return this.#ssc.bytes();
  }

  /** Protects a plain command; the result is the full APDU to transmit. */
  wrap(cmd: CommandApdu): Buffer {
    const block = this.#cipher.block;
    const ssc = this.#ssc.next();
    const header = Buffer.from([cmd.cla | 0x0c, cmd.ins, cmd.p1, cmd.p2]);
    const data = cmd.data ?? new Uint8Array();
    let doData: Buffer = Buffer.alloc(0);
    if (data.length > 0) {
      const enc = this.#cipher.encrypt(padIso9797m2(data, block), ssc);
      // An odd INS (e.g. READ BINARY B1) carries BER-TLV data: DO'85' without the padding-content indicator.
      doData = cmd.ins & 1 ? encodeTlv(0x85, enc) : encodeTlv(0x87, Buffer.concat([Buffer.from([0x01]), enc]));
    }
    const ne = cmd.ne ?? 0;
    const extended = ne > 256;
    let do97: Buffer = Buffer.alloc(0);
    if (ne > 0) {
      const le = extended ? Buffer.from([(ne >> 8) & 0xff, ne & 0xff]) : Buffer.from([ne & 0xff]);
      do97 = encodeTlv(0x97, le);
    }
    const m = Buffer.concat([padIso9797m2(header, block), doData, do97]);
    const cc = this.#cipher.mac(Buffer.concat([ssc, m]));
    const body = Buffer.concat([doData, do97, encodeTlv(0x8e, cc)]);
    // Le of the protected APDU is "up to the maximum": 00 (short) or 0000 (extended).
    return encodeCommand({ cla: header[0] as number, ins: cmd.ins, p1: cmd.p1, p2: cmd.p2, data: body, ne: extended ? 65536 : 256 }, extended || body.length > 255);
  }

  /**
   * Checks and decrypts a protected response. A bare status word without DO'8E' (the chip
   * reporting an SM error such as 6987/6988) is returned as is with no data.
   */
  unwrap(res: ResponseApdu): ResponseApdu {
    if (res.data.length === 0) {
      this.#ssc.next();
      return { data: Buffer.alloc(0), sw: res.sw };
    }
    const dos = splitTlvs(res.data);
    if (!dos) throw smError('response data objects do not parse');
    let doData: Buffer | undefined;
    let do99: Buffer | undefined;
    let mac: Buffer | undefined;
    let encrypted: Buffer | undefined;
    let indicator = false;
    for (const d of dos) {
      if (d.tag === 0x87 || d.tag === 0x85) {
        doData = d.raw;
        encrypted = d.tag === 0x87 ? d.value.subarray(1) : d.value;
        indicator = d.tag === 0x87;
        if (indicator && d.value[0] !== 0x01) throw smError('DO87 padding-content indicator is not 01');
      } else if (d.tag === 0x99) do99 = d.raw;
      else if (d.tag === 0x8e) mac = d.value;
    }
    if (mac?.length !== 8 || !mac) throw smError('response has no DO8E');
    if (do99?.length !== 4 || !do99) throw smError('response has no DO99');
    const ssc = this.#ssc.next();
    const k = Buffer.concat([ssc, doData ?? Buffer.alloc(0), do99]);
    if (!timingSafeEqual(this.#cipher.mac(k), mac)) throw smError('response MAC does not verify');
    const sw = do99.readUInt16BE(2);
    if (!encrypted || encrypted.length === 0) return { data: Buffer.alloc(0), sw };
    const block = this.#cipher.block;
    if (encrypted.length % block !== 0) throw smError('encrypted data is not whole blocks');
    const plain = unpadIso9797m2(this.#cipher.decrypt(encrypted, ssc), block);
    if (!plain) throw smError('decrypted data has bad padding');
    return { data: plain, sw };
  }
}
