/**
 * The one worker of the appliance's CPU pool (cpu-pool.ts): barcode decoding, fingerprint quality and PNG
 * encoding, PDF rendering and batch compression run here, off the event loop that times serial bytes and
 * serves the officer's screen. Bundled as appliance/dist/cpu-worker.js by scripts/build.mjs.
 *
 * The thread lowers its own scheduling priority (nice WORKER_NICE): on a 2-core appliance two busy workers and
 * the event loop compete for the cores, and the event loop must win. On Linux setpriority(PRIO_PROCESS, 0)
 * changes the calling thread only, so the main thread keeps its priority (measured: tests/bench/event-loop.ts).
 */
import { setPriority } from 'node:os';
import { cpuTaskHandlers } from './cpu-tasks.ts';
import { runEnvelope, type TaskEnvelope, type TaskOutcome } from './task-envelope.ts';

export const WORKER_NICE = 10;

try {
  setPriority(0, WORKER_NICE);
} catch {
  // Not permitted or not supported here: the work still runs, only without the lower priority.
}

export default function runCpuTask(envelope: TaskEnvelope): Promise<TaskOutcome> {
  return runEnvelope(cpuTaskHandlers, envelope);
}
