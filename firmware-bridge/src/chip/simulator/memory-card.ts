/** An in-memory ApduTransport onto a simulated chip (unit tests; no PC/SC). Removal maps to CHIP_REMOVED as a real reader's would. */
import { ApplianceError, FirmwareBridgeErrors } from '../../errors.ts';
import type { ApduTransport } from '../channel.ts';
import { CardRemovedError, type SimulatedChip } from './sim-card.ts';

export class MemoryCardTransport implements ApduTransport {
  present = true;
  constructor(private readonly chip: SimulatedChip) {}

  async transmit(apdu: Buffer): Promise<Buffer> {
    if (!this.present) throw new ApplianceError(FirmwareBridgeErrors.CHIP_NOT_PRESENT.code, 'no card on the reader');
    try {
      return this.chip.process(apdu);
    } catch (err) {
      if (!(err instanceof CardRemovedError)) throw err;
      this.present = false;
      throw new ApplianceError(FirmwareBridgeErrors.CHIP_REMOVED.code, 'the card was removed during the read');
    }
  }

  /** Puts the card back: power-on resets the chip. */
  reinsert(): void {
    this.chip.reset();
    this.present = true;
  }
}
