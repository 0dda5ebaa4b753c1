/**
 * A worker for cpu-pool.test.ts: tasks whose running time the test controls exactly (a gate in shared memory),
 * and tasks that fail in each way a real one can. Not part of the appliance.
 */
import { ApplianceError, type ApplianceErrorCode } from '../errors.ts';
import { runEnvelope, type TaskEnvelope, type TaskOutcome } from './task-envelope.ts';

const handlers = {
  /** Blocks the thread until the test opens gate[index] (Atomics), then answers index. */
  hold: ({ gate, index }: { gate: SharedArrayBuffer; index: number }) => {
    const cells = new Int32Array(gate);
    while (Atomics.load(cells, index) === 0) Atomics.wait(cells, index, 0, 1000);
    return index;
  },
  coded: ({ code, message }: { code: ApplianceErrorCode; message: string }) => {
    throw new ApplianceError(code, message, { width: 7 });
  },
  throw: () => {
    throw new TypeError('a bug in the task');
  },
  oom: () => {
    const keep: number[][] = [];
    for (;;) keep.push(Array.from({ length: 1e6 }, (_, i) => i));
  },
};

export default function runTestTask(envelope: TaskEnvelope): Promise<TaskOutcome> {
  return runEnvelope(handlers, envelope);
}
