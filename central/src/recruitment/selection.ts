/**
 * Shortlists and selection at the central (#17 item 3): outcomes per candidacy with their dates, the
 * contract offered compared term by term with the vacancy (contract substitution), pre-departure
 * orientation and departure. Every change is one transaction that
 *   1. updates recruitment_candidacies,
 *   2. writes a recruitment_audit row (who, what, before → after),
 *   3. rewrites the candidacy's ref_recruitment_outcomes row, which the reference feed sends to the
 *      appliances of the office the candidacy was recorded at,
 *   4. recomputes the vacancy's places_left / status (reference-rules.ts), which reaches every
 *      appliance serving its destination.
 */
import type { Db, Queryable } from '../db/db.ts';
import {
  CANDIDACY_STATUSES,
  type CandidacyStatus,
  COST_PAYERS,
  compareContract,
  type ContractFlag,
  type ContractTerms,
  PROVISIONS,
  type RecruitmentOutcomeRow,
  type VacancyTerms,
  WAGE_PERIODS,
} from '@lmc/protocol/recruitment.ts';
import { centralError } from '../errors.ts';
import { refreshVacancies } from './reference-rules.ts';

/** The central's whole row: what the appliance receives (RecruitmentOutcomeRow) with the dates of each step and the contract. */
export interface CandidacyRow extends Omit<RecruitmentOutcomeRow, 'contract_recorded'> {
  shortlisted_on: string | null;
  selected_on: string | null;
  not_selected_on: string | null;
  withdrew_on: string | null;
  contract: ContractTerms | null;
  contract_recorded_on: string | null;
}

const CANDIDACY_COLUMNS = `candidacy_id::text AS candidacy_id, registration_id::text AS registration_id, vacancy_id, office_code, status,
  to_char(status_on, 'YYYY-MM-DD') AS status_on, to_char(shortlisted_on, 'YYYY-MM-DD') AS shortlisted_on,
  to_char(selected_on, 'YYYY-MM-DD') AS selected_on, to_char(not_selected_on, 'YYYY-MM-DD') AS not_selected_on,
  to_char(withdrew_on, 'YYYY-MM-DD') AS withdrew_on, contract::text AS contract,
  to_char(contract_recorded_on, 'YYYY-MM-DD') AS contract_recorded_on, to_jsonb(contract_flags)::text AS contract_flags,
  to_char(orientation_on, 'YYYY-MM-DD') AS orientation_on, to_char(departure_on, 'YYYY-MM-DD') AS departure_on`;

type RawCandidacy = Omit<CandidacyRow, 'contract' | 'contract_flags'> & { contract: string | null; contract_flags: string };

export async function readCandidacy(q: Queryable, candidacyId: string, forUpdate = false): Promise<CandidacyRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(candidacyId)) return undefined;
  const rows = await q.query<RawCandidacy>(
    `SELECT ${CANDIDACY_COLUMNS} FROM recruitment_candidacies WHERE candidacy_id = $1::uuid${forUpdate ? ' FOR UPDATE' : ''}`,
    [candidacyId],
  );
  const r = rows[0];
  if (!r) return undefined;
  return { ...r, contract: r.contract ? (JSON.parse(r.contract) as ContractTerms) : null, contract_flags: JSON.parse(r.contract_flags) as string[] };
}

/** The outcome row the appliances of the candidacy's office receive (protocol RecruitmentOutcomeRow). */
export async function publishOutcome(tx: Queryable, candidacyId: string): Promise<void> {
  await tx.query(
    `INSERT INTO ref_recruitment_outcomes (candidacy_id, registration_id, vacancy_id, office_code, status, status_on, contract_flags, contract_recorded, orientation_on, departure_on)
     SELECT candidacy_id::text, registration_id::text, vacancy_id, office_code, status, status_on, contract_flags, contract IS NOT NULL, orientation_on, departure_on
     FROM recruitment_candidacies WHERE candidacy_id = $1::uuid
     ON CONFLICT (candidacy_id) DO UPDATE SET status = EXCLUDED.status, status_on = EXCLUDED.status_on, contract_flags = EXCLUDED.contract_flags,
       contract_recorded = EXCLUDED.contract_recorded, orientation_on = EXCLUDED.orientation_on, departure_on = EXCLUDED.departure_on
     WHERE (ref_recruitment_outcomes.status, ref_recruitment_outcomes.status_on, ref_recruitment_outcomes.contract_flags, ref_recruitment_outcomes.contract_recorded,
            ref_recruitment_outcomes.orientation_on, ref_recruitment_outcomes.departure_on)
       IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.status_on, EXCLUDED.contract_flags, EXCLUDED.contract_recorded, EXCLUDED.orientation_on, EXCLUDED.departure_on)`,
    [candidacyId],
  );
}

export async function audit(
  tx: Queryable,
  entry: { actor: string; action: string; candidacyId?: string | null; vacancyId?: string | null; employerId?: string | null; detail?: Record<string, unknown> },
): Promise<void> {
  await tx.query('INSERT INTO recruitment_audit (actor, action, candidacy_id, vacancy_id, employer_id, detail) VALUES ($1, $2, $3::uuid, $4, $5, $6::text::jsonb)', [
    entry.actor,
    entry.action,
    entry.candidacyId ?? null,
    entry.vacancyId ?? null,
    entry.employerId ?? null,
    JSON.stringify(entry.detail ?? {}),
  ]);
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
function checkDate(v: string, what: string): string {
  if (!DATE.test(v) || Number.isNaN(Date.parse(v))) throw centralError('CANDIDACY_STATE_INVALID', `${what} must be a date YYYY-MM-DD`);
  return v;
}

/** Runs `change` on the locked candidacy, then publishes the outcome and refreshes the vacancy. */
async function changeCandidacy(db: Db, candidacyId: string, change: (tx: Queryable, c: CandidacyRow) => Promise<void>): Promise<CandidacyRow> {
  return db.transaction(async (tx) => {
    const c = await readCandidacy(tx, candidacyId, true);
    if (!c) throw centralError('CANDIDACY_NOT_FOUND', 'No such candidacy', { candidacyId });
    await change(tx, c);
    await tx.query('UPDATE recruitment_candidacies SET updated_at = now() WHERE candidacy_id = $1::uuid', [candidacyId]);
    await publishOutcome(tx, candidacyId);
    await refreshVacancies(tx, { vacancyId: c.vacancy_id });
    const after = await readCandidacy(tx, candidacyId);
    if (!after) throw centralError('CANDIDACY_NOT_FOUND', 'No such candidacy', { candidacyId });
    return after;
  });
}

const DATE_COLUMN: Partial<Record<CandidacyStatus, string>> = {
  shortlisted: 'shortlisted_on',
  selected: 'selected_on',
  not_selected: 'not_selected_on',
  withdrew: 'withdrew_on',
};

/**
 * Records an outcome. Any status may follow any other (an employer reconsiders, a selected worker
 * withdraws), except that a candidacy whose departure is recorded stays selected or withdrew.
 */
export async function setOutcome(db: Db, candidacyId: string, o: { status: string; on: string; actor: string }): Promise<CandidacyRow> {
  if (!(CANDIDACY_STATUSES as readonly string[]).includes(o.status) || o.status === 'candidate') {
    throw centralError('CANDIDACY_STATE_INVALID', 'status must be shortlisted, selected, not_selected or withdrew');
  }
  const status = o.status as CandidacyStatus;
  const on = checkDate(o.on, 'on');
  return changeCandidacy(db, candidacyId, async (tx, c) => {
    if (c.departure_on && status !== 'withdrew' && status !== 'selected') {
      throw centralError('CANDIDACY_STATE_INVALID', `The worker departed on ${c.departure_on}: the outcome can only be withdrew`);
    }
    const col = DATE_COLUMN[status];
    await tx.query(`UPDATE recruitment_candidacies SET status = $2, status_on = $3::date${col ? `, ${col} = $3::date` : ''} WHERE candidacy_id = $1::uuid`, [
      candidacyId,
      status,
      on,
    ]);
    await audit(tx, { actor: o.actor, action: 'outcome', candidacyId, vacancyId: c.vacancy_id, detail: { from: c.status, to: status, on } });
  });
}

function contractTerms(input: Record<string, unknown>): ContractTerms {
  const problems: string[] = [];
  const int = (k: string, min: number, max: number) => {
    const v = input[k];
    if (!Number.isSafeInteger(v) || (v as number) < min || (v as number) > max) problems.push(`${k} must be an integer ${min} to ${max}`);
    return v as number;
  };
  const oneOf = <T extends string>(k: string, list: readonly T[]) => {
    if (!(list as readonly unknown[]).includes(input[k])) problems.push(`${k} must be one of ${list.join(', ')}`);
    return input[k] as T;
  };
  const terms: ContractTerms = {
    wage_zar_cents: int('wage_zar_cents', 1, 100_000_000),
    wage_period: oneOf('wage_period', WAGE_PERIODS),
    hours_per_week: int('hours_per_week', 1, 84),
    days_per_week: input.days_per_week === null || input.days_per_week === undefined ? null : int('days_per_week', 1, 7),
    contract_months: int('contract_months', 1, 60),
    accommodation: oneOf('accommodation', PROVISIONS),
    transport: oneOf('transport', PROVISIONS),
    recruitment_cost_payer: oneOf('recruitment_cost_payer', COST_PAYERS),
    travel_cost_payer: oneOf('travel_cost_payer', COST_PAYERS),
  };
  if (problems.length > 0) throw centralError('CONTRACT_INVALID', problems.join('; '));
  return terms;
}

async function vacancyTerms(q: Queryable, vacancyId: string): Promise<Partial<VacancyTerms>> {
  const rows = await q.query<{ row: string }>('SELECT to_jsonb(v)::text AS row FROM ref_vacancies v WHERE vacancy_id = $1', [vacancyId]);
  return rows[0] ? (JSON.parse(rows[0].row) as Partial<VacancyTerms>) : {};
}

/**
 * Records the contract offered to a selected candidate and compares it with the vacancy term by
 * term (compareContract): the flags are stored, audited and sent to the office's appliances.
 */
export async function recordContract(
  db: Db,
  candidacyId: string,
  o: { contract: Record<string, unknown>; on: string; actor: string },
): Promise<{ candidacy: CandidacyRow; flags: ContractFlag[] }> {
  const contract = contractTerms(o.contract);
  const on = checkDate(o.on, 'on');
  let flags: ContractFlag[] = [];
  const candidacy = await changeCandidacy(db, candidacyId, async (tx, c) => {
    if (c.status !== 'selected') throw centralError('CANDIDACY_STATE_INVALID', `A contract is recorded for a selected candidate; this one is ${c.status}`);
    flags = compareContract(await vacancyTerms(tx, c.vacancy_id), contract);
    await tx.query(
      `UPDATE recruitment_candidacies SET contract = $2::text::jsonb, contract_recorded_on = $3::date,
         contract_flags = ARRAY(SELECT jsonb_array_elements_text($4::text::jsonb)) WHERE candidacy_id = $1::uuid`,
      [candidacyId, JSON.stringify(contract), on, JSON.stringify(flags)],
    );
    await audit(tx, { actor: o.actor, action: 'contract', candidacyId, vacancyId: c.vacancy_id, detail: { contract, flags, previous: c.contract } });
  });
  return { candidacy, flags };
}

export async function recordOrientation(db: Db, candidacyId: string, o: { on: string; actor: string }): Promise<CandidacyRow> {
  const on = checkDate(o.on, 'on');
  return changeCandidacy(db, candidacyId, async (tx, c) => {
    if (c.status !== 'selected') throw centralError('CANDIDACY_STATE_INVALID', `Orientation is for a selected candidate; this one is ${c.status}`);
    await tx.query('UPDATE recruitment_candidacies SET orientation_on = $2::date WHERE candidacy_id = $1::uuid', [candidacyId, on]);
    await audit(tx, { actor: o.actor, action: 'orientation', candidacyId, vacancyId: c.vacancy_id, detail: { on } });
  });
}

/**
 * Departure: needs the contract recorded (terms known and agreed before departure, ILO GPOG 7) and,
 * when the contract differs from the vacancy, an explicit `flagsReviewed` by the staff member, which
 * is audited with the flags.
 */
export async function recordDeparture(db: Db, candidacyId: string, o: { on: string; actor: string; flagsReviewed?: boolean }): Promise<CandidacyRow> {
  const on = checkDate(o.on, 'on');
  return changeCandidacy(db, candidacyId, async (tx, c) => {
    if (c.status !== 'selected') throw centralError('CANDIDACY_STATE_INVALID', `Departure is for a selected candidate; this one is ${c.status}`);
    if (!c.contract) throw centralError('CANDIDACY_STATE_INVALID', 'Record the contract offered before the departure: its terms must be known before the worker leaves');
    if (c.contract_flags.length > 0 && o.flagsReviewed !== true) {
      throw centralError('CANDIDACY_STATE_INVALID', `The contract differs from the vacancy (${c.contract_flags.join(', ')}): review it and confirm with flagsReviewed`);
    }
    await tx.query('UPDATE recruitment_candidacies SET departure_on = $2::date WHERE candidacy_id = $1::uuid', [candidacyId, on]);
    await audit(tx, { actor: o.actor, action: 'departure', candidacyId, vacancyId: c.vacancy_id, detail: { on, flagsReviewed: c.contract_flags } });
  });
}
