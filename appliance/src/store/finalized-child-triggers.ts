/**
 * The two triggers that freeze a table of rows belonging to a registration (`registration_id` column) once that
 * registration is finalized: no new row, no changed row. DELETE stays allowed so the retention purge can cascade.
 *
 * The SQL is produced byte for byte as the first modules wrote it out by hand (fingerprints, registration_details),
 * so their shipped migrations are unchanged; store/finalized-child-triggers.test.ts pins that text.
 */
export function finalizedChildTriggers(table: string): string {
  return (['INSERT', 'UPDATE'] as const)
    .map((op) => {
      const row = op === 'INSERT' ? 'NEW' : 'OLD';
      return `CREATE TRIGGER ${table}_${op.toLowerCase()}_finalized
BEFORE ${op} ON ${table}
WHEN (SELECT status FROM registrations WHERE id = ${row}.registration_id) = 'finalized'
BEGIN
  SELECT RAISE(ABORT, 'finalized registrations are immutable');
END;`;
    })
    .join('\n\n');
}
