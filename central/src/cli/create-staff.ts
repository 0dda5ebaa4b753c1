/**
 * `npm run central -- create-staff --username NAME --role admin|statistician|auditor [--display-name TEXT] [--reset-password]`
 *
 * Creates a staff account directly in the central database (same DATABASE_URL / CENTRAL_DATA_DIR
 * as the receiver), which is how the first admin comes to exist: whoever can run this on the central
 * host can already read the database. Further accounts are made by an admin through
 * POST /api/v1/admin/staff. --reset-password gives an existing account a new password, unlocks it and
 * ends its sessions (a forgotten admin password).
 *
 * The password is read from standard input (first line; typed without echo on a terminal), or from
 * CENTRAL_STAFF_PASSWORD for scripts. Never from the command line: argv is visible to every user
 * of the host (ps, /proc).
 */
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { PasswordHasher, checkPasswordPolicy } from '../auth/passwords.ts';
import { insertStaff, resetStaffPassword, STAFF_ROLES, type StaffRole, USERNAME_PATTERN } from '../auth/staff-store.ts';
import { configFromEnv } from '../config.ts';
import type { Db } from '../db/db.ts';
import { migrate } from '../db/migrations.ts';
import { createPgliteDb } from '../db/pglite-db.ts';
import { createPostgresDb } from '../db/postgres-db.ts';

const USAGE = 'usage: npm run central -- create-staff --username NAME --role admin|statistician|auditor [--display-name TEXT] [--reset-password]';

class UsageError extends Error {}

/** One line from a terminal in raw mode, so the typed characters are not echoed. */
function readHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    let text = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(text);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new UsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function readPassword(env: NodeJS.ProcessEnv): Promise<string> {
  if (env.CENTRAL_STAFF_PASSWORD) return env.CENTRAL_STAFF_PASSWORD;
  if (process.stdin.isTTY) return readHidden('Password (not shown): ');
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of rl) return line;
    return '';
  } finally {
    rl.close();
  }
}

export interface CreateStaffResult {
  username: string;
  role: StaffRole;
  reset: boolean;
}

/** The command without the process around it (tests call this). */
export async function createStaffCommand(db: Db, argv: readonly string[], password: string, now = new Date()): Promise<CreateStaffResult> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      username: { type: 'string' },
      role: { type: 'string' },
      'display-name': { type: 'string' },
      'reset-password': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const username = values.username?.trim().toLowerCase() ?? '';
  if (!new RegExp(USERNAME_PATTERN).test(username)) throw new UsageError(`--username: lower-case letters, digits, . _ -; 3 to 64 characters\n${USAGE}`);
  const weak = checkPasswordPolicy(password);
  if (weak) throw new UsageError(weak);
  const hasher = new PasswordHasher();
  await migrate(db);
  if (values['reset-password']) {
    if (!(await resetStaffPassword(db, username, await hasher.hash(password), now))) throw new UsageError(`No staff account named ${username}`);
    const [row] = await db.query<{ role: StaffRole }>('SELECT role FROM staff WHERE username = $1', [username]);
    return { username, role: row?.role ?? 'admin', reset: true };
  }
  const role = values.role as StaffRole | undefined;
  if (!role || !(STAFF_ROLES as readonly string[]).includes(role)) throw new UsageError(`--role: ${STAFF_ROLES.join(', ')}\n${USAGE}`);
  await insertStaff(db, { username, role, displayName: values['display-name'] ?? null, passwordHash: await hasher.hash(password), createdBy: 'cli' }, now);
  return { username, role, reset: false };
}

/** Entry point from main.ts (`npm run central -- create-staff …`). Exit 0 done, 1 refused, 2 usage. */
export async function runCreateStaff(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let db: Db | undefined;
  try {
    const password = await readPassword(env);
    const config = configFromEnv(env);
    db = config.databaseUrl ? createPostgresDb(config.databaseUrl) : await createPgliteDb(config.dataDir);
    const r = await createStaffCommand(db, argv, password);
    process.stdout.write(r.reset ? `password of ${r.username} (${r.role}) reset; its sessions ended\n` : `staff account ${r.username} (${r.role}) created\n`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`${(err as Error).message}\n`);
      return 2;
    }
    process.stderr.write(`create-staff failed: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await db?.close();
  }
}
