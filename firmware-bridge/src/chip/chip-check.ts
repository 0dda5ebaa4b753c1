/**
 * The document step's view of a chip read: one result, never a throw for a chip fault, because a
 * chip that cannot be read must not block a registration on its own (issue #18): it is recorded,
 * shown and counted. Programming errors still throw.
 */
import { isApplianceError, type ChipErrorCode } from '../errors.ts';
import { type ApduTransport, CardChannel } from './channel.ts';
import { type ChipRead, type ChipReadOptions, readChip } from './reader.ts';

/** What the officer is told: the passive-authentication outcome, or why there is none. */
export type ChipOutcome = 'genuine' | 'unknown-issuer' | 'data-altered' | 'signer-expired' | 'no-chip' | 'unreadable' | 'access-denied';

export type ChipCheck =
  | { readonly outcome: Exclude<ChipOutcome, 'no-chip' | 'unreadable' | 'access-denied'>; readonly code: ChipErrorCode | null; readonly read: ChipRead }
  | { readonly outcome: 'no-chip' | 'unreadable' | 'access-denied'; readonly code: ChipErrorCode; readonly read: null };

const FAULTS: Partial<Record<ChipErrorCode, 'no-chip' | 'unreadable' | 'access-denied'>> = {
  CHIP_NOT_PRESENT: 'no-chip',
  CHIP_READER_UNAVAILABLE: 'unreadable',
  CHIP_REMOVED: 'unreadable',
  CHIP_UNREADABLE: 'unreadable',
  CHIP_SECURE_MESSAGING: 'unreadable',
  CHIP_DATA_MALFORMED: 'unreadable',
  CHIP_ACCESS_DENIED: 'access-denied',
};

export async function checkChip(transport: ApduTransport, opts: ChipReadOptions): Promise<ChipCheck> {
  try {
    const read = await readChip(new CardChannel(transport), opts);
    return { outcome: read.passiveAuthentication.outcome, code: read.passiveAuthentication.code, read };
  } catch (err) {
    const outcome = isApplianceError(err) ? FAULTS[err.code as ChipErrorCode] : undefined;
    if (!outcome || !isApplianceError(err)) throw err;
    return { outcome, code: err.code as ChipErrorCode, read: null };
  }
}
