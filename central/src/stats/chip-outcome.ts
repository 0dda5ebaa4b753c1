/**
 * The passport chip's outcome as a statistics dimension (`chipOutcome`, issue #18), computed in the statistics
 * query from the stored payload's `chip` summary (protocol/src/finalized-record.ts FinalizedChipSchema). No column,
 * no index, no migration: ingest does no extra work, and registrations received before this existed are counted
 * too. The cost falls on a query grouped by chipOutcome (it reads each row's payload) and on nothing else.
 *
 * One value per registration, the most serious first:
 *   not-present | failed            the chip was not read (no chip came into the field / it could not be read)
 *   data-altered                    the chip's data does not match its issuer's signature
 *   dg1-mismatch                    the chip's MRZ differs from the printed one (passive authentication otherwise passed or could not be checked)
 *   unknown-issuer | signer-expired | no-csca | genuine    passive authentication's outcome, chip MRZ the same
 *   NULL (unknown)                  no chip read recorded (no reader at the post, or an appliance from before #18)
 * Anything else in the payload (never sent by a conforming appliance) also counts as unknown.
 */

export const CHIP_OUTCOMES = ['genuine', 'unknown-issuer', 'signer-expired', 'no-csca', 'data-altered', 'dg1-mismatch', 'not-present', 'failed'] as const;
export type ChipOutcome = (typeof CHIP_OUTCOMES)[number];

const chip = "(payload -> 'chip')";
const text = (member: string) => `(${chip} ->> '${member}')`;

export const CHIP_OUTCOME_SQL = `CASE
    WHEN jsonb_typeof(${chip}) IS DISTINCT FROM 'object' THEN NULL
    WHEN ${text('status')} IN ('not-present', 'failed') THEN ${text('status')}
    WHEN ${text('status')} IS DISTINCT FROM 'read' THEN NULL
    WHEN ${text('paOutcome')} = 'data-altered' THEN 'data-altered'
    WHEN ${chip} -> 'dg1Match' = 'false'::jsonb THEN 'dg1-mismatch'
    WHEN ${text('paOutcome')} IN ('genuine', 'unknown-issuer', 'signer-expired', 'no-csca') THEN ${text('paOutcome')}
  END`;
