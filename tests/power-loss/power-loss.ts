/**
 * Power-loss harness: the appliance store on lazyfs (tests/power-loss/lazyfs.py), a writer process
 * (tests/power-loss/writer.ts) finalizing registrations, and a seeded power cut.
 *
 * One cycle:
 *   1. mount lazyfs over the backing directory (the "disk");
 *   2. start the writer on <mount>/data; it prints `ack <id>` after each finalize() returned;
 *   3. after a seeded delay, cut the power: `crash` (or `crash torn <seed>`) to /.lazyfs-ctl, so the disk
 *      keeps exactly what was fsynced, then kill -9 the writer;
 *   4. unmount, then "reboot": open the store on the backing directory with openApplianceStore(), as the appliance
 *      would at its next start, and check that every acknowledged registration of this database (this
 *      cycle's and earlier cycles') is there, finalized, with its outbox row, that integrity_check says ok
 *      and the audit chain verifies.
 * Consecutive cycles reuse the database (recovery after recovery), `cyclesPerDatabase` at a time.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { openApplianceStore } from '@lmc/appliance/schema.ts';
import { mulberry32 } from '@lmc/core/seeded-random.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const LAZYFS = join(ROOT, 'tests/power-loss/lazyfs.py');
const WRITER = join(ROOT, 'tests/power-loss/writer.ts');

export type Synchronous = 'FULL' | 'NORMAL' | 'OFF';

export interface RunOptions {
  cycles: number;
  seed: number;
  /** undefined: the appliance's own openApplianceStore() settings. Otherwise the writer overrides PRAGMA synchronous. */
  synchronous?: Synchronous;
  /** Power cuts that also let a random part of the unsynced writes reach the disk: never, always, or every other cycle. */
  torn?: 'never' | 'always' | 'alternate';
  /** The cut comes this long (uniform min..max ms, seeded) after the writer has opened the store. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /**
   * true (default): each fresh disk already holds the data directory, as provisioning leaves it. false: the
   * store creates it, and nothing fsyncs its parent directory, so a cut in the first cycle may lose it all.
   */
  provisionedDataDir?: boolean;
  /** Stop after the first cycle for which this returns true. */
  until?: (r: CycleResult) => boolean;
  /** Cycles that continue on the same database before a fresh disk. */
  cyclesPerDatabase?: number;
  onCycle?: (r: CycleResult) => void;
}

export interface CycleResult {
  cycle: number;
  delayMs: number;
  torn: boolean;
  /** Registrations the writer acknowledged in this cycle. */
  acknowledged: number;
  /** Acknowledged registrations (of this cycle or an earlier one on the same database) missing after the cut. */
  lost: string[];
  /** 'ok', or what integrity_check, the audit chain or opening the store said. */
  integrity: string;
  /** The writer's first error line, if it saw the cut (EIO) before the kill. */
  writerError?: string;
  /** Wall time of the cycle (mount to verified). */
  ms: number;
}

export interface RunSummary {
  seed: number;
  synchronous: string;
  cycles: number;
  acknowledged: number;
  lost: number;
  cyclesWithLoss: number;
  integrityFailures: number;
  /** Wall time of the run. */
  seconds: number;
  results: CycleResult[];
}

/** mulberry32: small, seedable, good enough for delays and coin flips. */

/** Can this machine mount lazyfs? The python interpreter to use, or why not. */
export function lazyfsAvailability(): { ok: true; python: string } | { ok: false; reason: string } {
  try {
    accessSync('/dev/fuse', constants.R_OK | constants.W_OK);
  } catch {
    return { ok: false, reason: '/dev/fuse is missing or not accessible' };
  }
  if (process.getuid?.() !== 0 && spawnSync('fusermount3', ['-V']).status !== 0) {
    return { ok: false, reason: 'not root and no fusermount3 (apt-get install fuse3)' };
  }
  // Debian's python3-pyfuse3 lives under /usr/bin/python3, which a pyenv/venv python3 on PATH does not see.
  const candidates = process.env.LAZYFS_PYTHON ? [process.env.LAZYFS_PYTHON] : ['/usr/bin/python3', 'python3'];
  for (const python of candidates) {
    if (spawnSync(python, ['-c', 'import pyfuse3, trio'], { stdio: 'ignore' }).status === 0) return { ok: true, python };
  }
  return { ok: false, reason: `pyfuse3 is not importable by ${candidates.join(' or ')} (apt-get install fuse3 python3-pyfuse3)` };
}

/** Feed a child's stdout to onLine line by line; resolves when stdout closes. */
function lines(child: ChildProcess, onLine: (line: string) => void): Promise<void> {
  const rl = createInterface({ input: child.stdout! });
  rl.on('line', onLine);
  return once(rl, 'close').then(() => undefined);
}

function waitFor(child: ChildProcess, seen: string[], test: (l: string) => boolean, what: string, ms: number, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const hit = seen.find(test);
      if (hit !== undefined) {
        cleanup();
        resolve(hit);
      }
    };
    const onExit = () => {
      setImmediate(() => {
        check();
        cleanup();
        reject(new Error(`${what}: process exited (${child.exitCode ?? child.signalCode}); output: ${seen.join(' | ')}; stderr: ${stderr()}`));
      });
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${what}: timed out after ${ms} ms; output: ${seen.join(' | ')}; stderr: ${stderr()}`));
    }, ms);
    const poll = setInterval(check, 5);
    const cleanup = () => {
      clearTimeout(timer);
      clearInterval(poll);
      child.off('exit', onExit);
    };
    child.on('exit', onExit);
    check();
  });
}

async function killAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

/** A started process with its output collected: lazyfs and the writer are started one cycle ahead (imports are slow). */
interface Proc {
  child: ChildProcess;
  out: string[];
  stderr(): string;
  closed: Promise<void>;
  waitFor(test: (l: string) => boolean, what: string, ms: number): Promise<string>;
}

function start(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; onLine?: (l: string) => void } = {}): Proc {
  const child = spawn(cmd, args, { cwd: ROOT, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdin!.on('error', () => {}); // EPIPE if it died first: its exit tells the story
  const out: string[] = [];
  const closed = lines(child, (l) => {
    out.push(l);
    opts.onLine?.(l);
  });
  return {
    child,
    out,
    stderr: () => stderr,
    closed,
    waitFor: (test, what, ms) => waitFor(child, out, test, what, ms, () => stderr),
  };
}

/** lazyfs over `disk` at `mnt`, imported and waiting for `mount` on stdin. */
function prepareLazyfs(python: string, disk: string, mnt: string): Proc {
  return start(python, [LAZYFS, '--wait', disk, mnt]);
}

async function mount(fs: Proc): Promise<void> {
  fs.child.stdin!.write('mount\n');
  await fs.waitFor((l) => l === 'mounted', 'lazyfs mount', 30_000);
}

async function unmount(fs: Proc, mnt: string): Promise<void> {
  if (fs.child.exitCode !== null || fs.child.signalCode !== null) return;
  const exited = once(fs.child, 'exit');
  fs.child.kill('SIGTERM'); // lazyfs unmounts and exits (writing the volatile state only if there was no crash)
  const timer = setTimeout(() => {
    spawnSync('umount', ['-l', mnt]);
    fs.child.kill('SIGKILL');
  }, 10_000);
  await exited;
  clearTimeout(timer);
  if (fs.child.exitCode !== 0) throw new Error(`lazyfs exited with ${fs.child.exitCode ?? fs.child.signalCode}: ${fs.stderr()}`);
}

interface WriterState {
  /** Ids the writer acknowledged (`ack <id>`), in order. */
  acked: string[];
  /** Its first `error ...` line (after the cut: the EIO it saw). */
  error?: string;
}

/** The writer, modules loaded, waiting for `go <tag>` on stdin. */
function prepareWriter(mnt: string, synchronous: Synchronous | undefined): Proc & WriterState {
  const state: WriterState = { acked: [] };
  const proc = start(process.execPath, ['--import', 'tsx', WRITER], {
    env: {
      ...process.env,
      LOG_LEVEL: 'silent',
      POWER_LOSS_DATA_DIR: join(mnt, 'data'),
      POWER_LOSS_SYNCHRONOUS: synchronous ?? '',
    },
    onLine: (l) => {
      if (l.startsWith('ack ')) state.acked.push(l.slice(4));
      else if (l.startsWith('error ')) state.error ??= l;
    },
  });
  // Getters, not copies: the lines keep arriving after this returns.
  return Object.defineProperties(proc as Proc & WriterState, {
    acked: { get: () => state.acked },
    error: { get: () => state.error },
  });
}

async function dispose(p: Proc | undefined): Promise<void> {
  if (p) await killAndWait(p.child, 'SIGKILL');
}

/** What the appliance would find at its next start: open the store on the disk and look for every acknowledged id. */
function reboot(dataDir: string, expected: readonly string[]): { missing: string[]; integrity: string } {
  let integrity = 'ok';
  try {
    const store = openApplianceStore({ dataDir, logger: pino({ level: 'silent' }) });
    try {
      const check = store.integrityCheck();
      const audit = store.audit.verify();
      if (check !== 'ok') integrity = `integrity_check: ${check.slice(0, 200)}`;
      else if (!audit.ok) integrity = `audit chain: ${audit.reason ?? ''} at seq ${audit.firstBadSeq}`;
    } finally {
      store.close();
    }
  } catch (err) {
    return { missing: [...expected], integrity: `openStore: ${(err as { code?: string }).code ?? ''} ${(err as Error).message}` };
  }
  const db = new Database(join(dataDir, 'appliance.db'), { readonly: true });
  try {
    const finalizedWithOutbox = new Set(
      (
        db
          .prepare(
            `SELECT r.id FROM registrations r JOIN outbox o ON o.registration_id = r.id WHERE r.status = 'finalized'`,
          )
          .all() as { id: string }[]
      ).map((r) => r.id),
    );
    return { missing: expected.filter((id) => !finalizedWithOutbox.has(id)), integrity };
  } finally {
    db.close();
  }
}

/** One power cut. `expected` holds this database's acknowledged ids so far and grows by this cycle's. */
async function cycle(
  fs: Proc,
  writer: ReturnType<typeof prepareWriter>,
  disk: string,
  mnt: string,
  expected: string[],
  opts: { cycle: number; delayMs: number; tornSeed?: number },
): Promise<CycleResult> {
  const t0 = Date.now();
  try {
    await mount(fs);
    writer.child.stdin!.write(`go ${opts.cycle.toString(36)}\n`);
    await writer.waitFor((l) => l === 'ready' || l.startsWith('error '), 'writer start', 30_000);
    if (writer.error) throw new Error(`writer could not open the store: ${writer.error}; stderr: ${writer.stderr()}`);
    await new Promise((r) => setTimeout(r, opts.delayMs));

    // The power cut. lazyfs answers this write only after the disk holds exactly the fsynced state, and fails
    // every later operation: what the writer acknowledged after this point cannot have reached the disk.
    writeFileSync(join(mnt, '.lazyfs-ctl'), opts.tornSeed === undefined ? 'crash\n' : `crash torn ${opts.tornSeed}\n`);
    await killAndWait(writer.child, 'SIGKILL');
    await writer.closed; // every ack the writer wrote before it died
    if (writer.child.signalCode !== 'SIGKILL' && !writer.error) {
      throw new Error(`writer ended with ${writer.child.exitCode} without seeing the cut; stderr: ${writer.stderr()}`);
    }
  } finally {
    await dispose(writer);
    await unmount(fs, mnt);
  }
  const acked = writer.acked;
  expected.push(...acked);
  const { missing, integrity } = reboot(join(disk, 'data'), expected);
  // Counted once: a lost id is no longer expected in later cycles.
  const lostSet = new Set(missing);
  for (let i = expected.length - 1; i >= 0; i--) if (lostSet.has(expected[i]!)) expected.splice(i, 1);
  return {
    cycle: opts.cycle,
    delayMs: opts.delayMs,
    torn: opts.tornSeed !== undefined,
    acknowledged: acked.length,
    lost: missing,
    integrity,
    writerError: writer.error,
    ms: Date.now() - t0,
  };
}

export async function runPowerLoss(opts: RunOptions): Promise<RunSummary> {
  const avail = lazyfsAvailability();
  if (!avail.ok) throw new Error(`lazyfs unavailable: ${avail.reason}`);
  const rng = prng(opts.seed);
  const minDelay = opts.minDelayMs ?? 0;
  const maxDelay = opts.maxDelayMs ?? 600;
  const perDb = opts.cyclesPerDatabase ?? 5;
  const torn = opts.torn ?? 'alternate';
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'power-loss-'));
  const results: CycleResult[] = [];
  const disk = join(work, 'disk');
  const mnt = join(work, 'mnt');
  mkdirSync(mnt);
  let expected: string[] = [];
  let fs: Proc | undefined;
  let writer: ReturnType<typeof prepareWriter> | undefined;
  try {
    for (let c = 0; c < opts.cycles; c++) {
      const delayMs = minDelay + Math.floor(rng() * (maxDelay - minDelay));
      const tornSeed = Math.floor(rng() * 2 ** 31);
      const isTorn = torn === 'always' || (torn === 'alternate' && c % 2 === 1);
      if (c % perDb === 0 || results.at(-1)?.integrity !== 'ok') {
        // A fresh disk holding an empty data directory, as provisioning leaves it (its directory entry is on disk).
        rmSync(disk, { recursive: true, force: true });
        mkdirSync(opts.provisionedDataDir === false ? disk : join(disk, 'data'), { recursive: true, mode: 0o700 });
        expected = [];
      }
      const thisFs = fs ?? prepareLazyfs(avail.python, disk, mnt);
      const thisWriter = writer ?? prepareWriter(mnt, opts.synchronous);
      // The next cycle's processes load while this one runs; they touch nothing before they are told to.
      fs = c + 1 < opts.cycles ? prepareLazyfs(avail.python, disk, mnt) : undefined;
      writer = c + 1 < opts.cycles ? prepareWriter(mnt, opts.synchronous) : undefined;
      const r = await cycle(thisFs, thisWriter, disk, mnt, expected, {
        cycle: c,
        delayMs,
        tornSeed: isTorn ? tornSeed : undefined,
      });
      results.push(r);
      opts.onCycle?.(r);
      if (opts.until?.(r)) break;
    }
  } finally {
    await dispose(fs);
    await dispose(writer);
    spawnSync('umount', ['-l', mnt], { stdio: 'ignore' }); // only if a failure left it mounted
    rmSync(work, { recursive: true, force: true });
  }
  return {
    seed: opts.seed,
    synchronous: opts.synchronous ?? 'appliance (FULL)',
    cycles: results.length,
    acknowledged: results.reduce((n, r) => n + r.acknowledged, 0),
    lost: results.reduce((n, r) => n + r.lost.length, 0),
    cyclesWithLoss: results.filter((r) => r.lost.length > 0).length,
    integrityFailures: results.filter((r) => r.integrity !== 'ok').length,
    seconds: Math.round((Date.now() - started) / 1000),
    results,
  };
}

export function formatSummary(s: RunSummary): string {
  return (
    `power-loss seed=${s.seed} synchronous=${s.synchronous}: ${s.cycles} cycles, ${s.acknowledged} acknowledged, ` +
    `${s.lost} lost (in ${s.cyclesWithLoss} cycles), ${s.integrityFailures} integrity failures, ${s.seconds} s`
  );
}

export const prng = mulberry32;
