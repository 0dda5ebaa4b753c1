/**
 * The durable print queue's worker: one job at a time, oldest first. State lives in SQLite
 * (print-job-repository.ts), so a restart loses nothing; a job caught `printing` by a crash is
 * queued again at start (at-least-once: a receipt whose last bytes went out just before a power
 * cut may come out twice; never zero times).
 *
 * A job that fails is marked failed with the printer's code and the officer's message and waits
 * for the reprint route; it is never retried behind the officer's back (paper was torn off, the
 * migrant may have left). After a printer fault the queue pauses rather than failing every job
 * behind it; it resumes when the printer reports ready (resume()) or the officer acts (enqueue,
 * reprint).
 */
import { type ApplianceErrorCode, isApplianceError, ApplianceErrors } from '../errors.ts';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { FirmwareBridgeErrors } from '@lmc/firmware-bridge/errors.ts';
import type { ReceiptDocument } from '@lmc/firmware-bridge/escpos/receipt-document.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { PrintJob, PrintJobRepository } from './print-job-repository.ts';
import type { ReceiptLanguage } from './receipt-catalogue.ts';

/** What the queue needs of a printer (the PrinterFeature; a fake in unit tests). */
export interface ReceiptPrinter {
  print(doc: ReceiptDocument): Promise<unknown>;
}

export type PrintJobChange = 'queued' | 'printing' | 'done' | 'failed';
export interface PrintJobEvent {
  job: PrintJob;
  change: PrintJobChange;
}

export interface PrintQueueOptions {
  jobs: PrintJobRepository;
  printer: ReceiptPrinter;
  /** Builds the paper for a job (reads the registration, signs the QR). Throws coded errors. */
  render(job: PrintJob): ReceiptDocument;
  bus?: EventBus;
  logger?: Logger;
}

/** Faults of the printer itself (not of the job): the next job would fail the same way. */
const PRINTER_FAULTS: ReadonlySet<string> = new Set<ApplianceErrorCode>([
  FirmwareBridgeErrors.PRINTER_PAPER_OUT.code,
  FirmwareBridgeErrors.PRINTER_COVER_OPEN.code,
  FirmwareBridgeErrors.PRINTER_OFFLINE.code,
  FirmwareBridgeErrors.PRINTER_TIMEOUT.code,
  FirmwareBridgeErrors.PRINTER_NOT_OPEN.code,
  FirmwareBridgeErrors.TRANSPORT_OPEN_FAILED.code,
  FirmwareBridgeErrors.TRANSPORT_CLOSED.code,
  FirmwareBridgeErrors.TRANSPORT_WRITE_FAILED.code,
  ApplianceErrors.PRINTER_ABSENT.code,
]);

export class PrintQueue {
  readonly #opts: PrintQueueOptions;
  readonly #log: Logger;
  #running: Promise<void> | undefined;
  #paused = false;
  #stopped = true;

  constructor(options: PrintQueueOptions) {
    this.#opts = options;
    this.#log = options.logger ?? createLogger('printing:queue');
  }

  get paused(): boolean {
    return this.#paused;
  }

  start(): void {
    const recovered = this.#opts.jobs.recoverInterrupted();
    if (recovered > 0) this.#log.warn({ recovered }, 'print jobs interrupted by a restart are queued again');
    this.#stopped = false;
    this.#kick();
  }

  /** Waits for the job in hand (if any) to finish; queued jobs stay queued for the next start. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
  }

  enqueue(input: { registrationId: string; language: ReceiptLanguage; copy?: boolean }): PrintJob {
    const job = this.#opts.jobs.create(input);
    this.#publish(job, 'queued');
    this.#log.info({ jobId: job.id, language: job.language, copy: job.copy }, 'receipt queued');
    this.#paused = false;
    this.#kick();
    return job;
  }

  /** failed → queued; PRINT_JOB_CONFLICT otherwise, so a double press prints once. */
  reprint(jobId: string): PrintJob {
    const job = this.#opts.jobs.requeueFailed(jobId);
    this.#publish(job, 'queued');
    this.#log.info({ jobId, attempts: job.attempts }, 'receipt queued for reprint');
    this.#paused = false;
    this.#kick();
    return job;
  }

  /** The printer is ready again (paper loaded, cover closed): carry on with what is queued. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#kick();
  }

  /** Resolves when the worker has nothing in hand (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  #kick(): void {
    if (this.#running || this.#stopped || this.#paused) return;
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
    });
  }

  async #drain(): Promise<void> {
    while (!this.#stopped && !this.#paused) {
      const next = this.#opts.jobs.nextQueued();
      if (!next) return;
      const job = this.#opts.jobs.claim(next.id);
      if (!job) continue;
      this.#publish(job, 'printing');
      try {
        await this.#opts.printer.print(this.#opts.render(job));
        this.#publish(this.#opts.jobs.markDone(job.id), 'done');
        this.#log.info({ jobId: job.id, attempts: job.attempts }, 'receipt printed');
      } catch (err) {
        const error = isApplianceError(err)
          ? { code: err.code, message: err.message }
          : { code: 'PRINT_FAILED', message: 'The receipt could not be printed. Check the printer and print again.' };
        if (!isApplianceError(err)) this.#log.error({ err: (err as Error).message }, 'unexpected print failure');
        this.#publish(this.#opts.jobs.markFailed(job.id, error), 'failed');
        this.#log.warn({ jobId: job.id, code: error.code }, 'receipt failed');
        if (PRINTER_FAULTS.has(error.code)) this.#paused = true;
      }
    }
  }

  #publish(job: PrintJob, change: PrintJobChange): void {
    this.#opts.bus?.publish('printer.job', { job, change });
  }
}
