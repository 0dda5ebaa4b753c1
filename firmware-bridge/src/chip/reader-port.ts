/**
 * What the appliance needs of a chip reader, whatever it is: the PC/SC reader (pcsc-transport.ts) or the
 * in-process simulator (simulator/sim-reader.ts).
 */
import type { ApduTransport } from './channel.ts';

export interface ChipReaderPort {
  /** A card is in the field now. */
  readonly cardPresent: boolean;
  /** Resolves once a card is in the field; rejects with CHIP_NOT_PRESENT (or CHIP_READER_UNAVAILABLE) after the timeout. */
  waitForCard(timeoutMs: number): Promise<void>;
  /** APDUs to the card now in the field. */
  transport(): ApduTransport;
}
