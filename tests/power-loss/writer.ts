/**
 * The process that loses power: opens the appliance store in the lazyfs mount and finalizes registrations
 * until it is killed, writing `ack <id>` to stdout only after finalize() has returned, i.e. after the
 * moment the officer's screen would say "saved".
 *
 * Environment:
 *   POWER_LOSS_DATA_DIR     the data directory (inside the mount)
 *   POWER_LOSS_SYNCHRONOUS  unset: the appliance's own openApplianceStore() (synchronous=FULL). FULL, NORMAL or OFF:
 *                           the same open sequence with `PRAGMA synchronous=<value>` after openDatabase(),
 *                           to show what the harness catches when the setting is wrong.
 *
 * It loads its modules, then waits for a line `go <tag>` on stdin before opening the store (the harness starts
 * the next cycle's writer while the current cycle runs); <tag> makes the cycle's document numbers unique.
 * Run with `node --import tsx tests/power-loss/writer.ts`.
 */
import { once } from 'node:events';
import { writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { createStore, migrate, openDatabase, type Store } from '@lmc/appliance/store/index.ts';
import { MIGRATIONS, openApplianceStore } from '@lmc/appliance/schema.ts';
import { passport } from '@lmc/appliance/store/test-support.ts';

const dataDir = resolve(process.env.POWER_LOSS_DATA_DIR ?? '');
const synchronous = process.env.POWER_LOSS_SYNCHRONOUS;
const logger = pino({ level: 'silent' });

/** A synchronous write to fd 1: the loop below never yields to the event loop, so process.stdout would never drain. */
function say(line: string): void {
  const buf = Buffer.from(`${line}\n`);
  for (let off = 0; off < buf.length; ) {
    try {
      off += writeSync(1, buf, off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}

function open(): Store {
  if (!synchronous) return openApplianceStore({ dataDir, logger });
  if (!['FULL', 'NORMAL', 'OFF'].includes(synchronous)) throw new Error(`bad POWER_LOSS_SYNCHRONOUS ${synchronous}`);
  // openApplianceStore() step by step (see appliance/src/store/index.ts), with the override between open and migrate.
  const path = join(dataDir, 'appliance.db');
  const db = openDatabase(path, dataDir, logger);
  db.pragma(`synchronous = ${synchronous}`);
  migrate(db, MIGRATIONS, logger);
  return createStore(db, { path, logger, now: () => new Date() });
}

const [first] = (await once(createInterface({ input: process.stdin }), 'line')) as [string];
if (!first.startsWith('go ')) process.exit(0); // not wanted after all
const tag = first.slice(3);

let store: Store;
try {
  store = open();
} catch (err) {
  say(`error open ${(err as { code?: string }).code ?? ''} ${(err as Error).message}`);
  process.exit(3);
}
// What the appliance really runs: WAL with its -shm file mmapped through the FUSE page cache, not a fallback.
if (!store.health().walMode) {
  say('error open the store is not in WAL mode');
  process.exit(3);
}
say('ready');
for (let i = 0; ; i++) {
  try {
    const r = store.registrations.create({ officeCode: 'PWR', officerId: 'power-loss' });
    store.registrations.attachDocument(r.id, passport(`${tag}N${i.toString(36)}`.slice(0, 9)), 'power-loss');
    store.registrations.finalize(r.id, 'power-loss');
    say(`ack ${r.id}`); // after the commit returned, never before
  } catch (err) {
    // After the power cut every write fails (EIO): report and stop; the harness kills us anyway.
    say(`error write ${(err as { code?: string }).code ?? ''} ${(err as Error).message}`);
    process.exit(4);
  }
}
