/**
 * The chip part of the document step. After every MRZ scan, the chip in the field is read with that MRZ's BAC
 * key (the read starts before the officer's screen has attached the scan); when the scan is attached to a
 * registration, the read is recorded on it: status, DG1 against the printed MRZ, passive authentication against
 * the appliance's CSCA certificates, and the face sealed under the data key. A chip that cannot be read never
 * blocks the registration: the outcome is recorded and shown. `readNow` reads again for a registration (card
 * removed mid-read, a typed MRZ).
 */
import { createHash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from '@lmc/core/logger.ts';
import { bacInputFromMrz } from '@lmc/firmware-bridge/chip/mrz-compare.ts';
import { isApplianceError } from '../errors.ts';
import type { DocumentScannedEvent, EventBus, RegistrationChangedEvent } from '../events/event-bus.ts';
import type { Store } from '../store/index.ts';
import type { ChipFeature, ChipReadOutcome } from './chip-feature.ts';
import type { ChipRepository } from './chip-repository.ts';
import type { ChipReadEvent, ChipResult } from './chip-types.ts';
import { slipChip } from './chip-slip.ts';
import type { SlipChip } from '../documents/registration-slip.ts';
import type { CscaTrust } from './csca-trust.ts';
import { faceJpegInPool } from '../workers/cpu-jobs.ts';

interface Job {
  readonly id: string;
  readonly scanId: string | null;
  readonly lines: readonly string[];
  registrationId: string | null;
  actor: string;
  progress: { read: number; total: number };
  done: Promise<void>;
  outcome?: { result: ChipResult; face: Buffer | null; display: Buffer | null };
  saved: boolean;
}

const KEEP_JOBS = 20;

export interface ChipServiceOptions {
  feature: ChipFeature;
  repository: ChipRepository;
  store: Store;
  bus: EventBus;
  trust: () => CscaTrust;
  logger: Logger;
  now?: () => Date;
  /** JPEG 2000 face → displayable JPEG; default: chip/face-display.ts in the CPU pool (workers/cpu-jobs.ts). */
  faceToJpeg?: (jp2: Buffer) => Promise<{ jpeg: Buffer }>;
}

export class ChipService {
  readonly #o: ChipServiceOptions;
  readonly #now: () => Date;
  readonly #jobs: Job[] = [];
  readonly #unsubscribe: (() => void)[] = [];

  constructor(options: ChipServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => new Date());
  }

  start(): void {
    const { bus } = this.#o;
    this.#unsubscribe.push(
      bus.subscribe('document.scanned', (scan) => this.#onScan(scan)),
      bus.subscribe('registration.changed', (e) => this.#onRegistration(e)),
    );
  }

  async stop(): Promise<void> {
    for (const u of this.#unsubscribe.splice(0)) u();
    await Promise.all(this.#jobs.map((j) => j.done));
  }

  /** The registration's chip result: the recorded one, or 'reading' while a read for it is under way. */
  result(registrationId: string): ChipResult | { status: 'reading'; progress: { read: number; total: number } } | null {
    const running = this.#jobs.find((j) => j.registrationId === registrationId && !j.saved && !j.outcome);
    if (running) return { status: 'reading', progress: running.progress };
    return this.#o.repository.result(registrationId);
  }

  /** The face as read from DG2 (JPEG or JPEG 2000). */
  face(registrationId: string): { mime: string; data: Buffer } | null {
    return this.#o.repository.face(registrationId);
  }

  /** The face to show: JPEG as read, or the JPEG derived from a JPEG 2000 face; null when there is none to show. */
  displayFace(registrationId: string): { mime: 'image/jpeg'; data: Buffer } | null {
    return this.#o.repository.displayFace(registrationId);
  }

  /** The slip's chip section, or null when no read was recorded. */
  slip(registrationId: string): SlipChip | null {
    const result = this.#o.repository.result(registrationId);
    return result ? slipChip(result, result.face ? this.#o.repository.displayFace(registrationId) : null) : null;
  }

  /** Reads the chip now for a registration's attached document and records the result. */
  async readNow(registrationId: string, lines: readonly string[], actor: string): Promise<ChipResult> {
    const job = this.#begin(null, lines, registrationId, actor);
    await job.done;
    if (!job.outcome) throw new Error('chip read ended without an outcome');
    return job.outcome.result;
  }

  #onScan(scan: DocumentScannedEvent): void {
    if (!scan.document || !this.#o.feature.configured) return;
    this.#begin(scan.scanId, scan.lines, null, 'system');
  }

  #onRegistration(e: RegistrationChangedEvent): void {
    if (e.change !== 'document-attached' || !e.registration.document) return;
    const lines = e.registration.document.lines;
    const key = lines.join('\n');
    const id = e.registration.id;
    // A read of another document recorded earlier on this registration no longer describes it.
    if (this.#o.repository.dropIfOtherDocument(id, lines)) this.#o.logger.info({ registrationId: id }, 'chip read of the previous document dropped');
    const job = [...this.#jobs].reverse().find((j) => j.registrationId === null && j.lines.join('\n') === key);
    if (!job) return;
    job.registrationId = id;
    job.actor = e.registration.officerId;
    this.#emit(job, job.outcome ? job.outcome.result.status : 'reading');
    if (job.outcome) this.#save(job);
  }

  #begin(scanId: string | null, lines: readonly string[], registrationId: string | null, actor: string): Job {
    const job: Job = { id: randomUUID(), scanId, lines: [...lines], registrationId, actor, progress: { read: 0, total: 0 }, done: Promise.resolve(), saved: false };
    this.#jobs.push(job);
    while (this.#jobs.length > KEEP_JOBS) {
      const i = this.#jobs.findIndex((j) => j.outcome !== undefined);
      if (i < 0) break;
      this.#jobs.splice(i, 1);
    }
    this.#emit(job, 'reading');
    job.done = this.#run(job).catch((err: unknown) => this.#o.logger.error({ message: (err as Error).message }, 'chip read job failed'));
    return job;
  }

  async #run(job: Job): Promise<void> {
    const started = performance.now();
    const readAt = () => this.#now().toISOString();
    const sizes = new Map<number, { read: number; total: number }>();
    let lastEmit = 0;
    let outcome: ChipReadOutcome | { outcome: 'failed'; code: string };
    try {
      const cscas = this.#o.trust().certificates;
      outcome = await this.#o.feature.read({
        printedMrz: job.lines,
        bacInput: bacInputFromMrz(job.lines),
        cscas,
        now: this.#now(),
        simulatedLines: job.lines,
        onProgress: (fid, read, total) => {
          sizes.set(fid, { read, total });
          job.progress = [...sizes.values()].reduce((a, s) => ({ read: a.read + s.read, total: a.total + s.total }), { read: 0, total: 0 });
          const t = performance.now();
          if (t - lastEmit > 150 || read === total) {
            lastEmit = t;
            this.#emit(job, 'reading');
          }
        },
      });
    } catch (err) {
      // No reader (DEVICE_NOT_CONNECTED), busy, an MRZ without BAC fields: the chip was not checked, and says why.
      const code = isApplianceError(err) ? err.code : 'CHIP_UNREADABLE';
      if (!isApplianceError(err)) this.#o.logger.error({ message: (err as Error).message }, 'chip read threw');
      outcome = { outcome: 'failed', code };
    }
    const converted = await this.#display(outcome);
    const durationMs = Math.round(performance.now() - started);
    job.outcome = this.#toResult(outcome, durationMs, readAt(), this.#o.trust().certificates.length === 0, converted);
    this.#o.logger.info(
      { scanId: job.scanId, status: job.outcome.result.status, code: job.outcome.result.code, pa: job.outcome.result.passiveAuthentication?.outcome ?? null, durationMs },
      'chip read',
    );
    if (job.registrationId) this.#save(job);
    else this.#emit(job, job.outcome.result.status);
  }

  /**
   * A JPEG 2000 face made displayable (decoded in the CPU pool, off the event loop). A face that cannot be decoded
   * (corrupt, too large) or a pool that is busy gives no JPEG and the reason, never a failed read.
   */
  async #display(o: ChipReadOutcome | { outcome: 'failed'; code: string }): Promise<{ jpeg: Buffer | null; problem: string | null }> {
    const read = 'read' in o ? o.read : null;
    if (read?.face.mime !== 'image/jp2') return { jpeg: null, problem: null };
    const started = performance.now();
    try {
      const { jpeg } = await (this.#o.faceToJpeg ?? faceJpegInPool)(read.face.data);
      this.#o.logger.info({ bytes: read.face.data.length, ms: Math.round(performance.now() - started) }, 'chip face converted from JPEG 2000');
      return { jpeg, problem: null };
    } catch (err) {
      const problem = isApplianceError(err) ? err.code : 'CHIP_FACE_UNDECODABLE';
      this.#o.logger.warn({ code: problem, message: (err as Error).message }, 'chip face in JPEG 2000 not made displayable');
      return { jpeg: null, problem };
    }
  }

  #toResult(
    o: ChipReadOutcome | { outcome: 'failed'; code: string },
    durationMs: number,
    readAt: string,
    noCsca: boolean,
    display: { jpeg: Buffer | null; problem: string | null },
  ): { result: ChipResult; face: Buffer | null; display: Buffer | null } {
    const empty = { accessControl: null, accessProtocol: null, dg1: null, passiveAuthentication: null, face: null, apduCount: null, durationMs, readAt };
    if (o.outcome === 'not-present') return { result: { status: 'not-present', code: o.code, ...empty }, face: null, display: null };
    if (o.outcome === 'failed' || o.read === null) return { result: { status: 'failed', code: o.code, ...empty }, face: null, display: null };
    const r = o.read;
    const pa = r.passiveAuthentication;
    // No CSCA at all: the signature and hashes were still checked; the issuer could not be.
    const outcome = noCsca && pa.outcome === 'unknown-issuer' ? 'no-csca' : pa.outcome;
    const face = r.face.data;
    return {
      result: {
        status: 'read',
        code: outcome === 'no-csca' ? null : pa.code,
        accessControl: r.accessControl,
        accessProtocol: r.accessProtocol,
        dg1: { match: r.mrzComparison.same, differingFields: r.mrzComparison.differingFields },
        passiveAuthentication: {
          outcome,
          dataGroups: Object.fromEntries(Object.entries(pa.dataGroups).map(([k, v]) => [`DG${k}`, v])),
          signatureValid: pa.signatureValid,
          issuerKnown: pa.issuerKnown,
          signerValidAt: pa.signerValidAt,
          signer: pa.signer,
          issuingCountry: pa.issuingCountry,
        },
        face: {
          mime: r.face.mime,
          width: r.face.width,
          height: r.face.height,
          bytes: face.length,
          sha256: createHash('sha256').update(face).digest('hex'),
          displayable: r.face.mime === 'image/jpeg' || display.jpeg !== null,
          converted: display.jpeg !== null,
          displayProblem: display.problem,
        },
        apduCount: r.apduCount,
        durationMs,
        readAt,
      },
      face,
      display: display.jpeg,
    };
  }

  #save(job: Job): void {
    const id = job.registrationId;
    if (!id || !job.outcome || job.saved) return;
    job.saved = true;
    try {
      this.#o.repository.save(id, job.lines, job.outcome.result, job.outcome.face, job.actor, job.outcome.display);
    } catch (err) {
      // A registration finalized (or discarded) before its read ended keeps what it had.
      this.#o.logger.warn({ registrationId: id, message: (err as Error).message }, 'chip read not recorded on the registration');
      return;
    }
    this.#emit(job, job.outcome.result.status);
  }

  #emit(job: Job, status: ChipReadEvent['status']): void {
    const e: ChipReadEvent = {
      scanId: job.scanId,
      registrationId: job.registrationId,
      status,
      ...(status === 'reading' ? { progress: { ...job.progress } } : {}),
      ...(job.outcome && status !== 'reading' ? { result: job.outcome.result } : {}),
      at: this.#now().toISOString(),
    };
    this.#o.bus.publish('chip.read', e);
  }
}
