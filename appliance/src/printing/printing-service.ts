/**
 * The printing part assembled: printer feature + durable queue + receipt composer + verifier,
 * one start and one stop for start.ts, and the few calls the HTTP routes need.
 */
import type { Database } from 'better-sqlite3';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import type { ReceiptDocument } from '@lmc/firmware-bridge/escpos/receipt-document.ts';
import { startDeviceFeature } from '../devices/device-state.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Registration, Store } from '../store/index.ts';
import { createPrintJobRepository, type PrintJob, type PrintJobRepository } from './print-job-repository.ts';
import { PrintQueue } from './print-queue.ts';
import { PrinterFeature } from './printer-feature.ts';
import type { PrinterDeviceConfig, ReceiptsConfig } from './printing-config.ts';
import { type ReceiptLanguage, receiptCatalogue } from './receipt-catalogue.ts';
import { type ComposeOptions, composeReceipt } from './receipt-composer.ts';
import { DEFAULT_TIME_ZONE, type ReceiptFacts, receiptFacts, registrationNumber, maskDocumentNumber, localParts } from './receipt-facts.ts';
import { type ReceiptSigner, type ReceiptVerification, verifyReceiptQr } from './receipt-signature.ts';

export interface PrintingServiceOptions {
  store: Store;
  bus: EventBus;
  signer: ReceiptSigner;
  printer: PrinterDeviceConfig;
  receipts?: Partial<ReceiptsConfig>;
  officeCode: string;
  officeName: string;
  logger?: Logger;
  now?: () => Date;
  /** Passed to the printer feature (tests shorten them). */
  statusTimeoutMs?: number;
}

/** What the verify route shows of a local record: enough to compare with the paper, no more. */
export interface VerifiedRecord {
  registrationNumber: string;
  name: string;
  nationality: string;
  documentNumberMasked: string;
  officeCode: string;
  officerId: string;
  finalizedAt: string | null;
  status: string;
}

export type VerifyResult = ReceiptVerification & { record: VerifiedRecord | null; note?: string };

export class PrintingService {
  readonly feature: PrinterFeature;
  readonly queue: PrintQueue;
  readonly jobs: PrintJobRepository;
  readonly #opts: PrintingServiceOptions;
  readonly #db: Database;
  readonly #unsubscribe: Array<() => void> = [];

  private constructor(opts: PrintingServiceOptions, db: Database) {
    this.#opts = opts;
    this.#db = db;
    const log = opts.logger ?? createLogger('printing');
    this.jobs = createPrintJobRepository(db, opts.now);
    this.feature = new PrinterFeature({
      config: opts.printer,
      bus: opts.bus,
      logger: createLogger('device:printer', log),
      ...(opts.now ? { now: opts.now } : {}),
      ...(opts.statusTimeoutMs ? { statusTimeoutMs: opts.statusTimeoutMs } : {}),
    });
    this.queue = new PrintQueue({
      jobs: this.jobs,
      printer: this.feature,
      render: (job) => this.renderReceipt(job),
      bus: opts.bus,
      logger: createLogger('printing:queue', log),
    });
  }

  /**
   * Opens a second connection to the store's file for print_jobs and the report queries (the
   * store has migrated it already), starts the printer and the queue. A printer that cannot start
   * leaves the queue running: jobs fail with the printer's message and wait for a reprint.
   */
  static async start(opts: PrintingServiceOptions): Promise<PrintingService> {
    const log = opts.logger ?? createLogger('printing');
    const service = new PrintingService(opts, opts.store.connection);
    service.#unsubscribe.push(service.feature.onReady(() => service.queue.resume()));
    await startDeviceFeature(service.feature, opts.bus, log, 'receipt printer');
    service.queue.start();
    return service;
  }

  /** The connection print_jobs lives on; the daily report reads registrations through it. */
  get database(): Database {
    return this.#db;
  }

  get timeZone(): string {
    return this.#opts.receipts?.timeZone ?? DEFAULT_TIME_ZONE;
  }

  get officeName(): string {
    return this.#opts.officeName;
  }

  get signer(): ReceiptSigner {
    return this.#opts.signer;
  }

  async stop(): Promise<void> {
    for (const u of this.#unsubscribe) u();
    await this.queue.stop();
    await this.feature.stop();
  }

  #sections: ((registrationId: string, language: string) => ComposeOptions['sections']) | undefined;

  /** Extra receipt sections a later module supplies in the receipt's language (recruitment/: the terms of the jobs asked for). */
  setReceiptSections(fn: (registrationId: string, language: string) => ComposeOptions['sections']): void {
    this.#sections = fn;
  }

  facts(registration: Registration): ReceiptFacts {
    return receiptFacts(registration, { officeName: this.#opts.officeName, signer: this.#opts.signer, timeZone: this.timeZone });
  }

  renderReceipt(job: Pick<PrintJob, 'registrationId' | 'language' | 'copy'>): ReceiptDocument {
    const registration = this.#opts.store.registrations.get(job.registrationId);
    if (!registration) throw new ApplianceError(ApplianceErrors.NOT_FOUND.code, `no registration ${job.registrationId} at this post`);
    return composeReceipt(this.facts(registration), receiptCatalogue(job.language), {
      paperWidth: this.feature.paperWidth,
      copy: job.copy,
      ...(this.#opts.receipts?.helpLine ? { helpLine: this.#opts.receipts.helpLine } : {}),
      sections: this.#sections?.(job.registrationId, job.language) ?? [],
    });
  }

  /**
   * The officer's "print receipt". Idempotent for the original: a second press returns the job
   * already there (a double tap prints once); `copy: true` asks for a marked copy.
   */
  requestReceipt(input: { registrationId: string; language?: ReceiptLanguage; copy?: boolean }): { job: PrintJob; created: boolean } {
    const registration = this.#opts.store.registrations.get(input.registrationId);
    if (!registration) throw new ApplianceError(ApplianceErrors.NOT_FOUND.code, `no registration ${input.registrationId} at this post`);
    this.facts(registration); // REGISTRATION_NOT_FINALIZED unless finalized, before anything is queued
    const existing = this.jobs.forRegistration(input.registrationId);
    const original = existing.find((j) => !j.copy);
    if (original && !input.copy) return { job: original, created: false };
    // The migrant's one language (issue #14) unless the officer names another.
    const language = input.language ?? registration.migrantLanguage ?? 'en';
    return { job: this.queue.enqueue({ registrationId: input.registrationId, language, copy: Boolean(input.copy && original) }), created: true };
  }

  /**
   * Reprint from the registrations queue: a copy (marked COPY) of a finalized registration's receipt in the
   * migrant's language, queued and audited in one transaction. The original when none was ever queued.
   */
  reprintReceipt(registrationId: string, actor: string): PrintJob {
    return this.#opts.store.transaction('printing.reprintReceipt', () => {
      const { job } = this.requestReceipt({ registrationId, copy: true });
      this.#opts.store.audit.append({
        actor,
        action: 'receipt.reprinted',
        entityType: 'registration',
        entityId: registrationId,
        details: { jobId: job.id, copy: job.copy, language: job.language },
      });
      return job;
    });
  }

  verify(qr: string): VerifyResult {
    const result = verifyReceiptQr(qr, { self: this.#opts.signer, trusted: this.#opts.receipts?.trustedAppliances ?? [] });
    if (!result.genuine) return { ...result, record: null };
    const registration = this.#opts.store.registrations.get(result.claims.registrationId);
    if (!registration) {
      return {
        ...result,
        record: null,
        note:
          result.claims.officeCode === this.#opts.officeCode
            ? 'genuine receipt; the record is no longer on this appliance (forwarded to the central database)'
            : `genuine receipt from office ${result.claims.officeCode}; the record is held there and centrally`,
      };
    }
    const d = registration.document;
    const finalizedDay = registration.finalizedAt ? localParts(registration.finalizedAt, this.timeZone).date : null;
    if (registration.officeCode !== result.claims.officeCode || finalizedDay !== result.claims.date) {
      // A valid signature over claims that disagree with our own record: treat as not genuine.
      return {
        genuine: false,
        reason: { code: 'RECEIPT_RECORD_MISMATCH', message: 'the receipt does not match the registration on record' },
        claims: result.claims,
        record: null,
      };
    }
    return {
      ...result,
      record: {
        registrationNumber: registrationNumber(registration.officeCode, registration.id),
        name: d ? [d.surname, d.givenNames].filter(Boolean).join(', ') : '',
        nationality: d?.nationality ?? '',
        documentNumberMasked: maskDocumentNumber(d?.documentNumber ?? ''),
        officeCode: registration.officeCode,
        officerId: registration.officerId,
        finalizedAt: registration.finalizedAt,
        status: registration.status,
      },
    };
  }
}
