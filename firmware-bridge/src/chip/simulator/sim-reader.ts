/**
 * The in-process simulated chip reader (`devices.chip.transport = "simulator"`, `npm start`): no pcscd, the card
 * is a SimulatedChip behind a MemoryCardTransport. Every passport the simulated MRZ reader scans can carry a chip:
 * `presentFor(lines)` issues one of the chosen kind for that data page (valid unless told otherwise) and puts it
 * in the field. The same page presented again puts the same chip back (a 'removed' chip reads through the second time).
 */
import { EventEmitter } from 'node:events';
import { ApplianceError, FirmwareBridgeErrors } from '../../errors.ts';
import type { ApduTransport } from '../channel.ts';
import type { ChipReaderPort } from '../reader-port.ts';
import { MemoryCardTransport } from './memory-card.ts';
import { SimulatedChip } from './sim-card.ts';
import type { ChipKind, SimPassport, SimPassportIssuer } from './sim-passports.ts';

/** What the next passport carries: a chip of one of the simulated kinds, or none at all (an older passport). */
export type SimChipChoice = ChipKind | 'no-chip';

export class SimulatedChipReader extends EventEmitter<{ inserted: []; removed: [] }> implements ChipReaderPort {
  #card: MemoryCardTransport | null = null;
  #passport: SimPassport | null = null;
  /** The kind of chip the next passport presented carries. */
  nextKind: SimChipChoice = 'valid';

  constructor(readonly issuer: SimPassportIssuer) {
    super();
  }

  get cardPresent(): boolean {
    return this.#card?.present === true;
  }

  /** The passport now on the reader (for tests and the simulator route). */
  get passport(): SimPassport | null {
    return this.#passport;
  }

  /** Puts the chip of the passport whose data page carries `lines` on the reader (none for 'no-chip'). */
  async presentFor(lines: readonly string[]): Promise<void> {
    const kind = this.nextKind;
    if (kind === 'no-chip') return this.remove();
    const same = this.#passport && this.#card && this.#passport.kind === kind && this.#passport.mrz.join('') === lines.join('');
    if (same && this.#card) {
      if (!this.#card.present) this.#card.reinsert();
    } else {
      const passport = await this.issuer.issue(lines, kind);
      this.#passport = passport;
      this.#card = new MemoryCardTransport(new SimulatedChip(passport, passport.behaviour));
    }
    this.emit('inserted');
  }

  /** Takes the card away. */
  remove(): void {
    const had = this.cardPresent;
    this.#card = null;
    this.#passport = null;
    if (had) this.emit('removed');
  }

  waitForCard(timeoutMs: number): Promise<void> {
    if (this.cardPresent) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onInsert = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.off('inserted', onInsert);
        reject(new ApplianceError(FirmwareBridgeErrors.CHIP_NOT_PRESENT.code, 'no card on the simulated reader'));
      }, timeoutMs);
      this.once('inserted', onInsert);
    });
  }

  transport(): ApduTransport {
    return {
      transmit: (apdu) => {
        const card = this.#card;
        if (!card) return Promise.reject(new ApplianceError(FirmwareBridgeErrors.CHIP_NOT_PRESENT.code, 'no card on the simulated reader'));
        return card.transmit(apdu);
      },
    };
  }
}
