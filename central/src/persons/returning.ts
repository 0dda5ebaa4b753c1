/**
 * "Returning" as the central counts it (issue #16 item 6): a person seen before at ANY office — an earlier
 * registration of the same person in the person index (linking.ts keeps person_registrations.returning_network).
 * A registration the index could not link (no document number or birth date) keeps the appliance's own flag
 * (registrations.is_returning: registered before at that appliance). An SQL expression over a `registrations` row,
 * for the statistics queries (stats/registration-stats.ts).
 */
export const RETURNING_ACROSS_OFFICES_SQL =
  'coalesce((SELECT pr.returning_network FROM person_registrations pr WHERE pr.registration_id = registrations.id), is_returning)';
