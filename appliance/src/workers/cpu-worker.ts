/**
 * The one worker of the appliance's CPU pool (cpu-pool.ts): barcode decoding, fingerprint quality and PNG
 * encoding, PDF rendering and batch compression run here, off the event loop that times serial bytes and
 * serves the officer's screen. Bundled as appliance/dist/cpu-worker.js by scripts/build.mjs.
 */
import { cpuTaskHandlers } from './cpu-tasks.ts';
import { runEnvelope, type TaskEnvelope, type TaskOutcome } from './task-envelope.ts';

export default function runCpuTask(envelope: TaskEnvelope): Promise<TaskOutcome> {
  return runEnvelope(cpuTaskHandlers, envelope);
}
