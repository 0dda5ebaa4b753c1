/**
 * Recruitment costs at the central (#17 item 4): the protection cases staff follow up (a payment to
 * a recruiter or an agent, ILO C181 art. 7 and the laws of both countries) and the exchange rates
 * the 10.7.1 indicator converts with (statistics.ts).
 */
import type { Db } from '../db/db.ts';
import { centralError } from '../errors.ts';
import { audit } from './selection.ts';

export interface ProtectionCase {
  eventId: string;
  registrationId: string;
  officeCode: string;
  vacancyId: string | null;
  amountMinor: number;
  currency: string;
  paidTo: string;
  purpose: string;
  paidOn: string;
  recordedAt: string;
  followedUpAt: string | null;
  followedUpBy: string | null;
  followUpNote: string | null;
}

/** Protection cases, open ones first (open = not yet followed up). */
export async function listProtectionCases(db: Db, o: { open?: boolean | undefined; office?: string | undefined }): Promise<ProtectionCase[]> {
  return db.query<ProtectionCase>(
    `SELECT event_id::text AS "eventId", registration_id::text AS "registrationId", office_code AS "officeCode", vacancy_id AS "vacancyId",
            amount_minor::int AS "amountMinor", currency, paid_to AS "paidTo", purpose, to_char(paid_on, 'YYYY-MM-DD') AS "paidOn",
            to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "recordedAt",
            to_char(followed_up_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "followedUpAt", followed_up_by AS "followedUpBy", follow_up_note AS "followUpNote"
     FROM recruitment_costs
     WHERE protection_flag AND ($1::boolean IS NULL OR (followed_up_at IS NULL) = $1) AND ($2::text IS NULL OR office_code = $2)
     ORDER BY followed_up_at IS NOT NULL, recorded_at LIMIT 1000`,
    [o.open ?? null, o.office ?? null],
  );
}

export async function followUpProtectionCase(db: Db, eventId: string, o: { note: string; actor: string }): Promise<void> {
  if (!/^[0-9a-f-]{36}$/i.test(eventId)) throw centralError('COST_REPORT_NOT_FOUND', 'No such protection case');
  await db.transaction(async (tx) => {
    const rows = await tx.query(
      `UPDATE recruitment_costs SET followed_up_at = now(), followed_up_by = $2, follow_up_note = $3
       WHERE event_id = $1::uuid AND protection_flag RETURNING vacancy_id`,
      [eventId, o.actor, o.note],
    );
    if (rows.length === 0) throw centralError('COST_REPORT_NOT_FOUND', 'No such protection case');
    await audit(tx, { actor: o.actor, action: 'protection-follow-up', detail: { eventId } });
  });
}

export interface ExchangeRate {
  currency: string;
  validFrom: string;
  /** Decimal string, ZAR per one unit of the currency. */
  zarPerUnit: string;
  source: string;
}

export async function upsertExchangeRates(db: Db, rates: readonly ExchangeRate[], actor: string): Promise<number> {
  for (const [i, r] of rates.entries()) {
    if (!/^[A-Z]{3}$/.test(r.currency) || r.currency === 'ZAR') throw centralError('EXCHANGE_RATE_INVALID', `rates[${i}].currency must be ISO 4217 and not ZAR`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(r.validFrom) || Number.isNaN(Date.parse(r.validFrom))) throw centralError('EXCHANGE_RATE_INVALID', `rates[${i}].validFrom must be a date`);
    if (!/^\d{1,9}(\.\d{1,8})?$/.test(r.zarPerUnit) || Number(r.zarPerUnit) <= 0) throw centralError('EXCHANGE_RATE_INVALID', `rates[${i}].zarPerUnit must be a positive decimal`);
  }
  return db.transaction(async (tx) => {
    for (const r of rates) {
      await tx.query(
        `INSERT INTO recruitment_exchange_rates (currency, valid_from, zar_per_unit, source) VALUES ($1, $2::date, $3::numeric, $4)
         ON CONFLICT (currency, valid_from) DO UPDATE SET zar_per_unit = EXCLUDED.zar_per_unit, source = EXCLUDED.source`,
        [r.currency, r.validFrom, r.zarPerUnit, r.source],
      );
    }
    await audit(tx, { actor, action: 'exchange-rates', detail: { rates: rates.length } });
    return rates.length;
  });
}

export async function listExchangeRates(db: Db): Promise<ExchangeRate[]> {
  return db.query<ExchangeRate>(
    `SELECT currency, to_char(valid_from, 'YYYY-MM-DD') AS "validFrom", zar_per_unit::text AS "zarPerUnit", source
     FROM recruitment_exchange_rates ORDER BY currency, valid_from`,
  );
}
