/**
 * The card channel a reader drives: one APDU out, one response back (PC/SC SCardTransmit style).
 * The PC/SC transport, the vpcd simulator link and in-memory test cards all implement it.
 */
import { ApplianceError, FirmwareBridgeErrors } from '../errors.ts';
import { type CommandApdu, decodeResponse, encodeCommand, hexSw, type ResponseApdu } from './apdu.ts';
import type { SecureMessaging } from './secure-messaging.ts';

export interface ApduTransport {
  /** Sends a command APDU and resolves with the response APDU (data ‖ SW1 SW2). Rejects with CHIP_REMOVED / CHIP_NOT_PRESENT. */
  transmit(apdu: Buffer): Promise<Buffer>;
}

/** Sends commands in clear or, once BAC or PACE has run, under secure messaging; counts APDUs for the bench. */
export class CardChannel {
  #sm: SecureMessaging | null = null;
  apduCount = 0;

  constructor(private readonly transport: ApduTransport) {}

  get secured(): boolean {
    return this.#sm !== null;
  }

  secure(sm: SecureMessaging): void {
    this.#sm = sm;
  }

  /** Back to plain commands (a failed PACE before BAC). */
  clearSecure(): void {
    this.#sm = null;
  }

  async send(cmd: CommandApdu): Promise<ResponseApdu> {
    const sm = this.#sm;
    const raw = sm ? sm.wrap(cmd) : encodeCommand(cmd);
    this.apduCount++;
    const res = decodeResponse(await this.transport.transmit(raw));
    return sm ? sm.unwrap(res) : res;
  }

  /** Sends and insists on 9000 (or 6282 with data); anything else is CHIP_UNREADABLE with the status word. */
  async expectOk(cmd: CommandApdu, what: string): Promise<Buffer> {
    const res = await this.send(cmd);
    if (res.sw === 0x9000 || (res.sw === 0x6282 && res.data.length > 0)) return res.data;
    throw new ApplianceError(FirmwareBridgeErrors.CHIP_UNREADABLE.code, `${what}: chip answered ${hexSw(res.sw)}`, { sw: hexSw(res.sw) });
  }
}
