/**
 * Statistic columns extracted from a registration payload, by the one normalisation both sides use
 * (protocol/src/statistics.ts): the appliance lifts the same fields into the payload with it, so what it sends
 * extracts to itself here. Lenient by design: an unrecognised value becomes NULL (counted as "unknown") rather
 * than rejecting the registration.
 */
import type { RegistrationPayload } from '@lmc/protocol/batch.ts';
import { type DetailStatisticsFields, isoDateOrNull, normaliseDetailStatistics, normaliseStatistics, type StatisticsFields } from '@lmc/protocol/statistics.ts';

/**
 * The normalised statistics fields, with the column name the central's table uses for `returning`, and the ILO
 * detail fields (education_isced, destination_country, country_of_birth: plain columns filled here since migration
 * 81, stats/ilo-columns.ts).
 */
export type ExtractedColumns = Omit<StatisticsFields, 'returning'> & { isReturning: boolean | null } & DetailStatisticsFields;

/** YYYY-MM-DD that is a real calendar date (the statistics routes check their date parameters with it). */
export { isoDateOrNull };

export function extractColumns(payload: RegistrationPayload): ExtractedColumns {
  const { returning, ...columns } = normaliseStatistics(payload);
  return { ...columns, isReturning: returning, ...normaliseDetailStatistics(payload) };
}
