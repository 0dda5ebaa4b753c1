/**
 * Power-loss soak: many lazyfs power cuts (see docs/power-loss.md).
 *
 *   npm run soak:power-loss -- [--cycles 200] [--off-cycles 20] [--seed N] [--torn alternate|always|never]
 *                              [--normal-cycles 0]
 *
 * Runs --cycles cuts with the appliance's own settings (synchronous=FULL), then --off-cycles with
 * synchronous=OFF (and --normal-cycles with NORMAL, for information). Prints one summary line per setting
 * and exits 1 if the appliance settings lost an acknowledged registration or failed an integrity check,
 * or if OFF lost nothing (the harness would then be unable to see a loss).
 */
import { parseArgs } from 'node:util';
import { type CycleResult, type RunOptions, type Synchronous, formatSummary, runPowerLoss } from './power-loss.ts';

const { values } = parseArgs({
  options: {
    cycles: { type: 'string', default: '200' },
    'off-cycles': { type: 'string', default: '20' },
    'normal-cycles': { type: 'string', default: '0' },
    seed: { type: 'string' },
    torn: { type: 'string', default: 'alternate' },
  },
});
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const torn = values.torn as NonNullable<RunOptions['torn']>;
if (!['alternate', 'always', 'never'].includes(torn)) throw new Error(`--torn: alternate, always or never, not ${torn}`);
console.log(`power-loss soak seed=${seed} (replay with --seed ${seed})`);

function progress(label: string, total: number) {
  let acked = 0;
  let lost = 0;
  return (r: CycleResult) => {
    acked += r.acknowledged;
    lost += r.lost.length;
    if (r.lost.length > 0 || r.integrity !== 'ok') {
      console.error(
        `  ${label} cycle ${r.cycle}${r.torn ? ' (torn)' : ''}: ${r.acknowledged} acked, ${r.lost.length} lost, integrity ${r.integrity}`,
      );
    }
    if ((r.cycle + 1) % 10 === 0 || r.cycle + 1 === total) {
      console.error(`  ${label}: ${r.cycle + 1}/${total} cycles, ${acked} acknowledged, ${lost} lost`);
    }
  };
}

async function run(label: string, cycles: number, synchronous: Synchronous | undefined, runSeed: number) {
  if (cycles <= 0) return undefined;
  const s = await runPowerLoss({ cycles, seed: runSeed, synchronous, torn, maxDelayMs: 800, onCycle: progress(label, cycles) });
  console.log(formatSummary(s));
  return s;
}

const full = await run('appliance', Number(values.cycles), undefined, seed);
const off = await run('OFF', Number(values['off-cycles']), 'OFF', seed + 1);
await run('NORMAL', Number(values['normal-cycles']), 'NORMAL', seed + 2);

let failed = false;
if (full && (full.lost > 0 || full.integrityFailures > 0)) {
  console.log(`FAIL: the appliance settings lost ${full.lost} acknowledged registrations, ${full.integrityFailures} integrity failures`);
  failed = true;
}
if (off) {
  console.log(`synchronous=OFF lost acknowledged data in ${off.cyclesWithLoss} of ${off.cycles} cycles`);
  if (off.cyclesWithLoss === 0 && off.acknowledged > 0) {
    console.log('FAIL: harness cannot detect loss (synchronous=OFF lost nothing)');
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
