import { declareErrors } from '@lmc/core/errors.ts';

/**
 * Codes of the CPU worker pool (workers/cpu-pool.ts), declared once with their HTTP status. A lane may bring
 * its own codes instead (the barcode reader answers BARCODE_BUSY etc., which officers already know); these
 * are the pool's own, for the lanes that do not (PDFs, fingerprint images, batch compression).
 * None of them is the caller's fault, none is a 500: a full queue or a restarting worker is a 503 with
 * Retry-After (`context.retryAfterS`, exposed in the body so the UI can say when).
 */
export const WorkerErrors = declareErrors({
  /** The lane's queue is full, or the job waited longer than the lane allows: try again shortly. */
  WORKER_BUSY: { status: 503, messageKey: 'error.WORKER_BUSY', expose: ['retryAfterS'] },
  /** The job ran past its time limit and was stopped (its worker thread was ended and replaced). */
  WORKER_TIMEOUT: { status: 503, messageKey: 'error.WORKER_TIMEOUT', expose: ['retryAfterS'] },
  /** The job needed more memory than a worker may use; the worker was replaced. */
  WORKER_OUT_OF_MEMORY: { status: 503, messageKey: 'error.WORKER_OUT_OF_MEMORY', expose: ['retryAfterS'] },
  /** The pool is shutting down, or a worker did not start or stopped unexpectedly: try again shortly. */
  WORKER_UNAVAILABLE: { status: 503, messageKey: 'error.WORKER_UNAVAILABLE', expose: ['retryAfterS'] },
});

export type WorkerErrorCode = keyof typeof WorkerErrors;
