/**
 * Candidacies as stored (recruitment_candidacies) with the central's outcome when it has arrived
 * (ref_recruitment_outcomes): one reader for the service, the slip and the receipt.
 */
import type { Database } from 'better-sqlite3';
import type { CandidacyStatus } from '@lmc/protocol/recruitment.ts';
import { guard } from '../store/errors.ts';
import type { VacancyView } from './vacancy-view.ts';

export interface CandidacyView {
  candidacyId: string;
  registrationId: string;
  vacancyId: string;
  /** 'candidate' or 'withdrew' here; the central's outcome (shortlisted, selected…) once it arrives. */
  status: CandidacyStatus;
  statusOn: string | null;
  recordedAt: string;
  recordedBy: string;
  /** The vacancy and its terms as the migrant was shown them. */
  vacancy: VacancyView;
  match: { score: number; summary: string } | null;
  contractFlags: string[];
}

interface CandidacyRow {
  candidacy_id: string;
  registration_id: string;
  vacancy_id: string;
  status: 'candidate' | 'withdrew';
  terms_json: string;
  match_json: string | null;
  recorded_at: string;
  recorded_by: string;
  withdrawn_at: string | null;
  outcome_status: string | null;
  outcome_on: string | null;
  contract_flags: string | null;
}

function toCandidacy(r: CandidacyRow): CandidacyView {
  const match = r.match_json ? (JSON.parse(r.match_json) as { score: number; summary: string }) : null;
  const local: CandidacyStatus = r.status === 'withdrew' ? 'withdrew' : 'candidate';
  return {
    candidacyId: r.candidacy_id,
    registrationId: r.registration_id,
    vacancyId: r.vacancy_id,
    // A withdrawal here is newer than any outcome the central had decided before it arrived.
    status: local === 'withdrew' ? 'withdrew' : ((r.outcome_status as CandidacyStatus | null) ?? 'candidate'),
    statusOn: local === 'withdrew' ? (r.withdrawn_at?.slice(0, 10) ?? null) : r.outcome_on,
    recordedAt: r.recorded_at,
    recordedBy: r.recorded_by,
    vacancy: JSON.parse(r.terms_json) as VacancyView,
    match: match ? { score: match.score, summary: match.summary } : null,
    contractFlags: r.contract_flags ? (JSON.parse(r.contract_flags) as string[]) : [],
  };
}

/** The candidacies of one registration (oldest first), or the one with this id. */
export function readCandidacies(db: Database, by: { registrationId: string } | { candidacyId: string }): CandidacyView[] {
  return guard('recruitment.candidacies', () => {
    const where = 'registrationId' in by ? 'c.registration_id = ?' : 'c.candidacy_id = ?';
    const rows = db
      .prepare(
        `SELECT c.*, o.status AS outcome_status, o.status_on AS outcome_on, o.contract_flags
         FROM recruitment_candidacies c LEFT JOIN ref_recruitment_outcomes o ON o.candidacy_id = c.candidacy_id
         WHERE ${where} ORDER BY c.recorded_at, c.rowid`,
      )
      .all('registrationId' in by ? by.registrationId : by.candidacyId) as CandidacyRow[];
    return rows.map(toCandidacy);
  });
}
