/**
 * Technician tool: check the audit log's hash chain.
 *
 *   npm run audit:verify [-- --data-dir DIR] [--file NAME] [--json]
 *
 * Exit codes: 0 chain intact; 1 chain broken (prints the first bad seq); 2 the database could not
 * be read (missing, not an appliance store, damaged). The file is opened read-only, so this is
 * safe to run while the appliance is running (WAL readers do not block the writer).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { isApplianceError } from '../errors.ts';
import { openReadOnlyDatabase } from '../store/database.ts';
import { mapSqliteError } from '../store/errors.ts';
import { verifyAuditChain } from '../store/audit-chain.ts';
import type { AuditVerification } from '../store/types.ts';

export const EXIT_OK = 0;
export const EXIT_BROKEN = 1;
export const EXIT_UNREADABLE = 2;

interface Options {
  dataDir: string;
  file: string;
  json?: boolean;
}

function verifyFile(path: string): AuditVerification {
  const db = openReadOnlyDatabase(path);
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'").get();
    if (!table) throw new Error('not an appliance store: no audit_log table');
    return verifyAuditChain(db);
  } finally {
    db.close();
  }
}

export function main(argv: string[]): number {
  const program = new Command()
    .name('audit:verify')
    .description("Verify the hash chain of the appliance's audit log")
    .option('--data-dir <dir>', 'data directory (env APPLIANCE_DATA_DIR)', process.env.APPLIANCE_DATA_DIR ?? './data')
    .option('--file <name>', 'database file name inside the data directory', 'appliance.db')
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode;
    return code === 0 ? EXIT_OK : EXIT_UNREADABLE;
  }
  const opts = program.opts<Options>();
  const path = join(resolve(opts.dataDir), opts.file);

  if (!existsSync(path)) {
    process.stderr.write(`audit:verify: no database at ${path}\n`);
    return EXIT_UNREADABLE;
  }
  let result: AuditVerification;
  try {
    result = verifyFile(path);
  } catch (err) {
    const mapped = mapSqliteError(err, 'audit:verify');
    const what = isApplianceError(mapped) ? `${mapped.code}: ${mapped.message}` : (err as Error).message;
    process.stderr.write(`audit:verify: cannot read ${path}: ${what}\n`);
    return EXIT_UNREADABLE;
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ path, ...result })}\n`);
  } else if (result.ok) {
    process.stdout.write(`audit log OK: ${result.rows} rows checked (${path})\n`);
  } else {
    process.stdout.write(
      `audit log BROKEN at seq ${result.firstBadSeq}: ${result.reason} (${result.rows} rows verified before it; ${path})\n`,
    );
  }
  return result.ok ? EXIT_OK : EXIT_BROKEN;
}

// Run only as a program, so tests and tools can import main() without side effects.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
