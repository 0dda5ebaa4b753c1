/**
 * Throwaway PostgreSQL cluster for integration tests: `initdb` + `pg_ctl` from the Debian
 * `postgresql` package, in a temp dir, on a free TCP port on 127.0.0.1, with the unix socket
 * in the temp dir too. One cluster per test file (start in beforeAll, stop in afterAll).
 *
 * initdb refuses to run as root, and CI runs as root: there the server processes are spawned
 * as the `postgres` system user (created by the Debian package) through Node's own
 * setuid/setgid on spawn, so no dependency on runuser/su/setpriv behaviour. As any other
 * user they run as that user.
 *
 * No binaries → a clear error, never a silent skip: tests that need real PostgreSQL must fail in CI.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PgCluster {
  /** `postgres://postgres@127.0.0.1:PORT/postgres`, trust authentication. */
  url: string;
  port: number;
  /** Directory holding the unix socket (`.s.PGSQL.PORT`). */
  socketDir: string;
  /** Immediate shutdown (`pg_ctl stop -m immediate`: no checkpoint, clients cut off, as a crash). */
  crash(): Promise<void>;
  /** Starts the server again on the same port and data (after crash()); crash recovery runs. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface PgClusterOptions {
  /** Override the binaries directory (else env PG_BIN_DIR, else newest /usr/lib/postgresql/N/bin). */
  binDir?: string;
  /** Seconds pg_ctl waits for the server to accept connections. */
  startTimeoutSeconds?: number;
  /** Extra server settings (`name=value`), after the defaults below so they win (a bench asks for fsync=on). */
  settings?: readonly string[];
}

const PG_ROOT = '/usr/lib/postgresql';

/** Newest `/usr/lib/postgresql/<version>/bin` that has both initdb and pg_ctl. */
export function findPgBinDir(explicit?: string): string {
  const wanted = explicit ?? process.env.PG_BIN_DIR;
  if (wanted) {
    if (!existsSync(join(wanted, 'initdb')) || !existsSync(join(wanted, 'pg_ctl'))) {
      throw new Error(`PostgreSQL binaries not found in ${wanted} (need initdb and pg_ctl)`);
    }
    return wanted;
  }
  const versions = existsSync(PG_ROOT)
    ? readdirSync(PG_ROOT)
        .filter((v) => /^\d+(\.\d+)?$/.test(v))
        .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    : [];
  for (const v of versions) {
    const bin = join(PG_ROOT, v, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  throw new Error(
    `No PostgreSQL server binaries (initdb, pg_ctl) under ${PG_ROOT}/*/bin. ` +
      'Install the Debian "postgresql" package (apt-get install postgresql) or set PG_BIN_DIR. ' +
      'Integration tests against real PostgreSQL fail rather than skip.',
  );
}

interface RunAs {
  uid: number;
  gid: number;
}

/** As root: the uid/gid of the `postgres` system user (fallback `nobody`); otherwise undefined = ourselves. */
function serverIdentity(): RunAs | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of ['postgres', 'nobody']) {
    const line = passwd.find((l) => l.startsWith(`${name}:`));
    const fields = line?.split(':');
    if (fields?.[2] && fields[3]) return { uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new Error('Running as root but no "postgres" or "nobody" user exists to run initdb as');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], as: RunAs | undefined, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      ...(as ?? {}),
      // LC_ALL=C: initdb must not depend on which locales the machine has generated.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${out.slice(-2000)}`));
    });
  });
}

export async function startPgCluster(options: PgClusterOptions = {}): Promise<PgCluster> {
  const bin = findPgBinDir(options.binDir);
  const as = serverIdentity();
  // As root, TMPDIR may point somewhere the postgres user cannot traverse (e.g. under /root): use /tmp.
  const dir = await mkdtemp(join(as ? '/tmp' : tmpdir(), 'central-pg-'));
  const dataDir = join(dir, 'data');
  const socketDir = dir;
  const logFile = join(dir, 'server.log');
  if (as) chownSync(dir, as.uid, as.gid);
  const pgCtl = join(bin, 'pg_ctl');

  try {
    // --no-sync and the settings below trade durability for speed: this cluster is thrown away.
    await run(
      join(bin, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
      as,
      dir,
    );
    let lastError: unknown;
    // The free port can be taken between probing and binding: try a few.
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const serverOpts = [
        `-p ${port}`,
        `-k ${socketDir}`,
        '-c listen_addresses=127.0.0.1',
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=30',
        '-c shared_buffers=16MB',
        ...(options.settings ?? []).map((s) => `-c ${s}`),
      ].join(' ');
      try {
        await run(
          pgCtl,
          ['start', '-D', dataDir, '-w', '-t', String(options.startTimeoutSeconds ?? 30), '-l', logFile, '-o', serverOpts],
          as,
          dir,
        );
      } catch (err) {
        lastError = err;
        continue;
      }
      // If the test process dies without calling stop(), do not leave a server behind.
      const onExit = () => {
        spawnSync(pgCtl, ['stop', '-D', dataDir, '-m', 'immediate'], { ...(as ?? {}), cwd: dir, stdio: 'ignore' });
      };
      process.once('exit', onExit);
      let stopped = false;
      const startArgs = ['start', '-D', dataDir, '-w', '-t', String(options.startTimeoutSeconds ?? 30), '-l', logFile, '-o', serverOpts];
      return {
        url: `postgres://postgres@127.0.0.1:${port}/postgres`,
        port,
        socketDir,
        async crash() {
          await run(pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w'], as, dir);
        },
        async restart() {
          await run(pgCtl, startArgs, as, dir);
        },
        async stop() {
          if (stopped) return;
          stopped = true;
          process.removeListener('exit', onExit);
          await run(pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w'], as, dir).catch(() => undefined);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
    throw new Error(`PostgreSQL did not start: ${String(lastError)}\n${log}`);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
