/**
 * What crosses the thread boundary between the CPU pool (cpu-pool.ts) and its worker (cpu-worker.ts).
 *
 * Errors cross as plain data: structured clone keeps an Error's message but drops ApplianceError's code and
 * context, so a coded failure is returned, not thrown, and the pool rebuilds it on the main thread. A task that
 * throws anything else is returned as `unexpected` (name and message only), so the worker survives it.
 */
import type { MessagePort } from 'node:worker_threads';
import { isApplianceError } from '@lmc/core/errors.ts';

export interface TaskEnvelope {
  kind: string;
  input: unknown;
  /** Told when the worker starts on this task: the time limit counts from here, not from the queue. */
  started: MessagePort;
}

export type TaskOutcome =
  | { ok: true; value: unknown; ms: number }
  | { ok: false; code: string; message: string; context: Record<string, unknown>; ms: number }
  | { ok: false; unexpected: { name: string; message: string }; ms: number };

// biome-ignore lint/suspicious/noExplicitAny: each handler declares its own input type (cpu-tasks.ts)
export type TaskHandlers = Record<string, (input: any) => unknown>;

/** Runs one envelope against a worker's handlers; never throws for a task's own failure. */
export async function runEnvelope(handlers: TaskHandlers, { kind, input, started }: TaskEnvelope): Promise<TaskOutcome> {
  started.postMessage('started');
  started.close();
  const t0 = performance.now();
  try {
    const handler = Object.hasOwn(handlers, kind) ? handlers[kind] : undefined;
    if (!handler) return { ok: false, unexpected: { name: 'TypeError', message: `no task "${kind}" in this worker` }, ms: 0 };
    const value = await handler(input);
    return { ok: true, value, ms: performance.now() - t0 };
  } catch (err) {
    const ms = performance.now() - t0;
    if (isApplianceError(err)) return { ok: false, code: err.code, message: err.message, context: err.context, ms };
    const e = err instanceof Error ? err : new Error(String(err));
    return { ok: false, unexpected: { name: e.name, message: e.message }, ms };
  }
}

/** A Uint8Array that crossed a thread (structured clone drops Buffer's prototype) as a Buffer, without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
