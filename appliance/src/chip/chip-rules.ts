/**
 * The chip's part of the counter rules (issue #18): each chip outcome other than genuine becomes a review
 * warning. None blocks on its own; the office decides which need a supervisor's approval
 * (`office.registrationRules.chipApproval`, registration-rules-config.ts). By default only the two that say the
 * document in hand may be forged — the chip's data altered against its issuer's signature, and a chip MRZ that
 * differs from the printed one — need an approval; the others (no CSCA loaded, unknown issuer, signer expired,
 * unreadable, no chip) are warnings the officer sees, since they are about the post's trust list or an old or
 * worn passport far more often than about fraud.
 */
import type { Database } from 'better-sqlite3';
import { hasChipTable } from './chip-repository.ts';
import type { ChipResult } from './chip-types.ts';

/** The chip outcomes the office may require an approval for, each with its warning code. */
export const CHIP_WARNINGS = {
  dataAltered: 'CHIP_DATA_ALTERED',
  dg1Mismatch: 'CHIP_DG1_MISMATCH',
  unknownIssuer: 'CHIP_UNKNOWN_ISSUER',
  signerExpired: 'CHIP_SIGNER_EXPIRED',
  noCsca: 'CHIP_NO_CSCA',
  unreadable: 'CHIP_UNREADABLE',
  notPresent: 'CHIP_NOT_PRESENT',
} as const;
export type ChipWarningKey = keyof typeof CHIP_WARNINGS;
export type ChipApprovalRules = Record<ChipWarningKey, boolean>;

export const DEFAULT_CHIP_APPROVAL: ChipApprovalRules = Object.freeze({
  dataAltered: true,
  dg1Mismatch: true,
  unknownIssuer: false,
  signerExpired: false,
  noCsca: false,
  unreadable: false,
  notPresent: false,
});

/** What the rules need of a chip read (ChipResult, or the stored row's columns). */
export interface ChipFacts {
  readonly status: ChipResult['status'];
  readonly code: string | null;
  readonly paOutcome: string | null;
  readonly dg1: { readonly match: boolean; readonly differingFields: readonly string[] } | null;
}

export interface ChipWarning {
  code: string;
  field?: string;
  message: string;
  blocking: boolean;
}

const MESSAGES: Record<ChipWarningKey, string> = {
  dataAltered: "The chip's data does not match its issuer's signature: it has been altered. Compare the document and the person carefully.",
  dg1Mismatch: 'The MRZ in the chip differs from the printed page',
  unknownIssuer: "The chip's signer was not issued by a country certificate (CSCA) this post knows.",
  signerExpired: "The chip signer's certificate was not valid on the date checked.",
  noCsca: 'This post holds no country certificates (CSCA): the chip was read but its issuer could not be checked.',
  unreadable: 'The chip could not be read.',
  notPresent: 'No chip was read from this document.',
};

/** The chip outcomes of a read, as review warnings; `approval` says which block. Nothing for a genuine read with matching DG1, or no read at all. */
export function chipWarnings(chip: ChipFacts | null | undefined, approval: ChipApprovalRules, blockingWarnings: readonly string[] = []): ChipWarning[] {
  if (!chip) return [];
  const keys: Array<[ChipWarningKey, string?]> = [];
  if (chip.status === 'not-present') keys.push(['notPresent']);
  else if (chip.status === 'failed') keys.push(['unreadable']);
  else {
    const pa = ({ 'data-altered': 'dataAltered', 'unknown-issuer': 'unknownIssuer', 'signer-expired': 'signerExpired', 'no-csca': 'noCsca' } as const)[
      chip.paOutcome as 'data-altered'
    ];
    if (pa) keys.push([pa]);
    if (chip.dg1 && !chip.dg1.match) keys.push(['dg1Mismatch', chip.dg1.differingFields.join(', ')]);
  }
  return keys.map(([key, fields]) => {
    const code = CHIP_WARNINGS[key];
    return {
      code,
      field: 'chip',
      message: key === 'dg1Mismatch' ? `${MESSAGES[key]}${fields ? ` (${fields})` : ''}.` : MESSAGES[key],
      blocking: approval[key] || blockingWarnings.includes(code),
    };
  });
}

/** The chip facts of a registration's stored read, or null (no read, or a store without the chip table). Nothing is decrypted. */
export function storedChipFacts(db: Database, registrationId: string): ChipFacts | null {
  if (!hasChipTable(db)) return null;
  const row = db.prepare('SELECT status, code, pa_outcome, result_json FROM chip_reads WHERE registration_id = ?').get(registrationId) as
    | { status: ChipResult['status']; code: string | null; pa_outcome: string | null; result_json: string }
    | undefined;
  if (!row) return null;
  const result = JSON.parse(row.result_json) as ChipResult;
  return { status: row.status, code: row.code, paOutcome: row.pa_outcome, dg1: result.dg1 };
}
