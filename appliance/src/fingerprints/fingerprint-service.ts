import { randomUUID } from 'node:crypto';
import { ApplianceError, isApplianceError, ApplianceErrors } from '../errors.ts';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import { fingerprintError } from '@lmc/firmware-bridge/fingerprint/fingerprint-errors.ts';
import type { FingerprintReader } from '@lmc/firmware-bridge/fingerprint/fingerprint-reader.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Registration, Store } from '../store/index.ts';
import { type CapturedFinger, runCaptureWorkflow } from './capture-workflow.ts';
import type { CapturePlan } from './fingerprint-config.ts';
import type { WorkflowKind } from './fingerprint-events.ts';
import type { ExceptionReason, FingerName } from './fingers.ts';
import type { FingerRecord, TemplateVault } from './template-vault.ts';
import { runVerification, type VerificationResult } from './verification.ts';
import type { FingerCaptureResult } from './finger-capture.ts';
import { encodeFingerprintPng } from '../workers/cpu-jobs.ts';
import { WorkflowEvents } from './workflow-events.ts';

export interface WorkflowStatus {
  workflowId: string;
  registrationId: string;
  kind: WorkflowKind;
  state: 'running' | 'completed' | 'failed' | 'cancelled';
  fingers: FingerName[];
  done: CapturedFinger[];
  startedAt: string;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
}

/** One finger of the plan (or recorded outside it) as GET /fingerprints shows it: no template, no image. */
export interface FingerView {
  finger: FingerName;
  status: 'captured' | 'exception' | 'pending';
  quality: number | null;
  belowThreshold: boolean;
  attempts: number;
  imageStored: boolean;
  exceptionReason: ExceptionReason | null;
  approvedBy: string | null;
  recordedAt: string | null;
}

export interface VerificationOutcome extends VerificationResult {
  workflowId: string;
  registrationId: string;
  againstRegistrationId: string;
}

export interface FingerprintServiceOptions {
  /** Where the open reader comes from (the FingerprintFeature). */
  device: { readonly reader: FingerprintReader | undefined };
  vault: TemplateVault;
  store: Store;
  bus: EventBus;
  plan: CapturePlan;
  logger?: Logger;
  now?: () => Date;
}

/**
 * Capture and verification workflows per registration, one at a time per device (a second start gets
 * DEVICE_BUSY). Captures run in the background (progress on the bus, results in GET); verification is
 * awaited by its caller. Cancel aborts the running wait at once and the running capture after it.
 */
export class FingerprintService {
  readonly #o: FingerprintServiceOptions;
  readonly #log: Logger;
  readonly #now: () => Date;
  #active: { status: WorkflowStatus; controller: AbortController; finished: Promise<unknown> } | undefined;
  /** The latest workflow per registration since start (in memory: the records themselves are in the vault). */
  readonly #latest = new Map<string, WorkflowStatus>();

  constructor(options: FingerprintServiceOptions) {
    this.#o = options;
    this.#log = options.logger ?? createLogger('fingerprints');
    this.#now = options.now ?? (() => new Date());
  }

  get plan(): CapturePlan {
    return this.#o.plan;
  }

  startCapture(registrationId: string, actor: string, fingers?: readonly FingerName[]): WorkflowStatus {
    this.#openRegistration(registrationId);
    const chosen = fingers && fingers.length > 0 ? [...new Set(fingers)] : [...this.#o.plan.fingers];
    const outside = chosen.filter((f) => !this.#o.plan.fingers.includes(f));
    if (outside.length > 0) {
      throw new ApplianceError(ApplianceErrors.FP_NOT_IN_PLAN.code, `not in this office's capture plan: ${outside.join(', ')}`, { fingers: outside });
    }
    const reader = this.#reader();
    const { status, controller, events } = this.#claim(registrationId, 'capture', chosen);
    const run = runCaptureWorkflow({
      reader,
      plan: this.#o.plan,
      fingers: chosen,
      registrationId,
      actor,
      signal: controller.signal,
      vault: this.#o.vault,
      events,
      onFingerDone: (entry) => status.done.push(entry),
    });
    void this.#track(status, controller, events, run); // reported on the bus and in GET; #track handles its rejection
    return { ...status };
  }

  async verify(registrationId: string, actor: string): Promise<VerificationOutcome> {
    const registration = this.#openRegistration(registrationId, true);
    const doc = registration.document;
    if (!doc) throw new ApplianceError(ApplianceErrors.DOCUMENT_REQUIRED.code, 'Scan the passport first: verification compares with earlier registrations of the same document.');
    const reader = this.#reader();
    const format = reader.info().templateFormat;
    let against: { id: string; references: ReturnType<TemplateVault['referenceTemplates']> } | undefined;
    for (const earlier of this.#o.store.registrations.findByDocument(doc.issuingState, doc.documentNumber)) {
      // Only a finalized earlier registration is a reference (the returning-migrant rule): never another open draft,
      // which may hold this very counter's verification capture.
      if (earlier.id === registrationId || earlier.status !== 'finalized') continue;
      const references = this.#o.vault.referenceTemplates(earlier.id).filter((r) => r.templateFormat === format);
      if (references.length > 0) {
        against = { id: earlier.id, references };
        break;
      }
    }
    if (!against) {
      throw new ApplianceError(ApplianceErrors.FP_NO_REFERENCE.code, 'No earlier registration of this document holds fingerprints this reader can compare.', {
        registrationId,
      });
    }
    return this.verifyAgainst(registrationId, actor, against);
  }

  /**
   * 1:1 verification of this registration's live fingers against given references: the earlier registration's
   * templates from this vault (verify), or from another office, re-sealed by the central for this appliance
   * (prints-remote/; `officeCode` then names that office in the audit row). References in another template
   * format than this reader's are left out; none left is NO_REFERENCE.
   */
  async verifyAgainst(
    registrationId: string,
    actor: string,
    given: { id: string; references: ReturnType<TemplateVault['referenceTemplates']>; officeCode?: string },
  ): Promise<VerificationOutcome> {
    this.#openRegistration(registrationId, true);
    const reader = this.#reader();
    const format = reader.info().templateFormat;
    const against = { ...given, references: given.references.filter((r) => r.templateFormat === format) };
    if (against.references.length === 0) {
      throw new ApplianceError(ApplianceErrors.FP_NO_REFERENCE.code, 'The earlier registration holds no fingerprints this reader can compare.', { registrationId });
    }
    const fingers = against.references.map((r) => r.finger);
    const { status, controller, events } = this.#claim(registrationId, 'verify', fingers);
    // A live capture of a planned finger at the plan's quality counts as that finger's capture: it is not read again.
    const keep = async (finger: FingerName, live: FingerCaptureResult): Promise<void> => {
      if (!live.best || !live.accepted || !this.#o.plan.fingers.includes(finger)) return;
      const imagePng = this.#o.plan.storeImages ? await encodeFingerprintPng(live.best.image) : undefined;
      this.#o.vault.saveCapture({
        registrationId,
        finger,
        quality: live.best.quality,
        attempts: live.attempts,
        templateFormat: format,
        template: live.best.template,
        ...(imagePng ? { imagePng } : {}),
        actor,
      });
    };
    const run = runVerification({ reader, plan: this.#o.plan, references: against.references, signal: controller.signal, events, keep });
    const result = await this.#track(status, controller, events, run, against.id);
    const outcome: VerificationOutcome = { ...result, workflowId: status.workflowId, registrationId, againstRegistrationId: against.id };
    this.#o.vault.recordVerification({
      registrationId,
      actor,
      details: {
        againstRegistrationId: against.id,
        ...(against.officeCode ? { againstOffice: against.officeCode, source: 'central' } : {}),
        decision: result.decision,
        comparisons: result.comparisons.map((c) => ({ finger: c.finger, match: c.match, score: c.score, quality: c.quality })),
        templateFormat: format,
      },
    });
    return outcome;
  }

  cancel(registrationId: string): WorkflowStatus {
    const active = this.#active;
    if (!active || active.status.registrationId !== registrationId) {
      throw new ApplianceError(ApplianceErrors.FP_NOT_RUNNING.code, 'No fingerprint capture is running for this registration.', { registrationId });
    }
    active.controller.abort();
    return { ...active.status };
  }

  recordException(input: { registrationId: string; finger: FingerName; reason: ExceptionReason; approvedBy: string; actor: string }): FingerRecord {
    this.#openRegistration(input.registrationId);
    if (!this.#o.plan.fingers.includes(input.finger)) {
      throw new ApplianceError(ApplianceErrors.FP_NOT_IN_PLAN.code, `${input.finger} is not in this office's capture plan`, { finger: input.finger });
    }
    if (this.#active?.status.registrationId === input.registrationId) {
      throw fingerprintError('DEVICE_BUSY', { registrationId: input.registrationId }, { detail: 'wait for the capture to end or cancel it first' });
    }
    const attempts = this.#latest.get(input.registrationId)?.done.find((d) => d.finger === input.finger)?.attempts ?? 0;
    const record = this.#o.vault.saveException({ ...input, attempts });
    new WorkflowEvents(this.#o.bus, { workflowId: 'exception', registrationId: input.registrationId, kind: 'capture' }, this.#now).finger({
      finger: input.finger,
      outcome: 'exception',
      quality: null,
      attempts,
      reason: input.reason,
    });
    return record;
  }

  /**
   * The stored PNG of a finger, decrypted in memory for one response, and the viewing audited.
   * NOT_FOUND when the registration, the finger's record or its image does not exist.
   */
  image(registrationId: string, finger: FingerName, actor: string): Buffer {
    if (!this.#o.store.registrations.get(registrationId)) throw new ApplianceError(ApplianceErrors.NOT_FOUND.code, 'No registration with that id.', { id: registrationId });
    const png = this.#o.vault.image(registrationId, finger);
    if (!png) throw new ApplianceError(ApplianceErrors.NOT_FOUND.code, 'No fingerprint image is stored for this finger.', { id: registrationId, finger });
    this.#o.vault.recordImageView({ registrationId, finger, actor });
    return png;
  }

  status(registrationId: string): { fingers: FingerView[]; workflow: WorkflowStatus | null } {
    const registration = this.#o.store.registrations.get(registrationId);
    if (!registration) throw new ApplianceError(ApplianceErrors.NOT_FOUND.code, 'No registration with that id.', { id: registrationId });
    const records = new Map(this.#o.vault.list(registration.id).map((r) => [r.finger, r]));
    const order = [...this.#o.plan.fingers, ...[...records.keys()].filter((f) => !this.#o.plan.fingers.includes(f))];
    const fingers = order.map((finger): FingerView => {
      const r = records.get(finger);
      return {
        finger,
        status: r?.status ?? 'pending',
        quality: r?.quality ?? null,
        belowThreshold: r?.status === 'captured' && (r.quality ?? 0) < this.#o.plan.minQuality,
        attempts: r?.attempts ?? 0,
        imageStored: r?.imageStored ?? false,
        exceptionReason: r?.exceptionReason ?? null,
        approvedBy: r?.approvedBy ?? null,
        recordedAt: r?.recordedAt ?? null,
      };
    });
    const workflow = this.#latest.get(registration.id);
    return { fingers, workflow: workflow ? { ...workflow } : null };
  }

  /** Cancel whatever runs and wait for it to let go of the reader. */
  async stop(): Promise<void> {
    const active = this.#active;
    if (!active) return;
    active.controller.abort();
    await active.finished.catch(() => undefined);
  }

  // ---- internals ----

  #openRegistration(id: string, allowFinalized = false): Registration {
    const registration = this.#o.store.registrations.get(id);
    if (!registration) throw new ApplianceError(ApplianceErrors.NOT_FOUND.code, 'No registration with that id.', { id });
    if (registration.status === 'finalized' && !allowFinalized) {
      throw new ApplianceError(ApplianceErrors.REGISTRATION_FINALIZED.code, 'This registration is finalized; its fingerprints can no longer be changed.', { id });
    }
    // A draft discarded by an officer or expired (registrations/counter-service.ts) takes no more prints.
    if (registration.discarded) throw new ApplianceError(ApplianceErrors.REGISTRATION_DISCARDED.code, 'This draft was discarded; start a new registration.', { id });
    return registration;
  }

  #reader(): FingerprintReader {
    const reader = this.#o.device.reader;
    if (!reader) throw fingerprintError('DEVICE_NOT_CONNECTED');
    return reader;
  }

  #claim(registrationId: string, kind: WorkflowKind, fingers: FingerName[]) {
    if (this.#active) {
      throw fingerprintError('DEVICE_BUSY', { running: this.#active.status.kind }, { detail: 'another fingerprint capture is running on this reader' });
    }
    const status: WorkflowStatus = {
      workflowId: randomUUID(),
      registrationId,
      kind,
      state: 'running',
      fingers,
      done: [],
      startedAt: this.#now().toISOString(),
      finishedAt: null,
      error: null,
    };
    const controller = new AbortController();
    const events = new WorkflowEvents(this.#o.bus, { workflowId: status.workflowId, registrationId, kind }, this.#now);
    this.#active = { status, controller, finished: Promise.resolve() };
    this.#latest.set(registrationId, status);
    if (this.#latest.size > 200) this.#latest.delete(this.#latest.keys().next().value as string);
    events.workflow({ state: 'started', fingers });
    return { status, controller, events };
  }

  #track<T>(status: WorkflowStatus, controller: AbortController, events: WorkflowEvents, run: Promise<T>, againstId?: string): Promise<T> {
    const finished = run.then(
      (result) => {
        status.state = 'completed';
        status.finishedAt = this.#now().toISOString();
        const verification =
          againstId !== undefined ? { verification: { ...(result as VerificationResult), againstRegistrationId: againstId } } : {};
        events.workflow({ state: 'completed', fingers: status.fingers, ...verification });
        this.#log.info({ workflowId: status.workflowId, kind: status.kind, registrationId: status.registrationId }, 'fingerprint workflow completed');
        return result;
      },
      (err: unknown) => {
        const cancelled = controller.signal.aborted;
        const error = isApplianceError(err)
          ? { code: err.code, message: err.message }
          : { code: ApplianceErrors.INTERNAL.code, message: 'the fingerprint workflow hit an unexpected error' };
        status.state = cancelled ? 'cancelled' : 'failed';
        status.finishedAt = this.#now().toISOString();
        status.error = error;
        events.workflow({ state: status.state, fingers: status.fingers, error });
        // Code only: messages of unexpected errors could carry anything.
        this.#log.warn({ workflowId: status.workflowId, kind: status.kind, code: error.code, state: status.state }, 'fingerprint workflow ended early');
        throw err instanceof ApplianceError ? err : new ApplianceError(error.code, error.message);
      },
    );
    const settled = finished.finally(() => {
      if (this.#active?.status === status) this.#active = undefined;
    });
    if (this.#active?.status === status) this.#active.finished = settled;
    // A background capture has no caller to see its rejection: it is reported on the bus and in GET.
    settled.catch(() => undefined);
    return settled;
  }
}
