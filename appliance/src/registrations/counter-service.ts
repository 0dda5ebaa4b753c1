/**
 * The counter's rules and working state of a registration (issue #14), on the server, not in the UI:
 *
 * - attaching another person's document to a draft that holds consent, prints, details or an approval is refused
 *   (DOCUMENT_PERSON_CHANGED) unless the officer confirms clearing them (audited, same transaction);
 * - the review: the holder's age and every warning, which of them block, and the supervisor's approval of THIS
 *   registration (finalize refuses SUPERVISOR_APPROVAL_REQUIRED without it);
 * - autosave of the details as typed, and where the officer was (step, field) so a reload resumes there;
 * - the returning migrant's earlier registrations (when, where, what) and the details to prefill;
 * - the one migrant language; drafts discarded with a reason or expired when stale.
 *
 * Every change and its audit row commit in one store.transaction. State lives in registration_state
 * (registration-state-schema.ts); the Registration the API returns carries it (store/registrations.ts).
 */
import type { Database } from 'better-sqlite3';
import { storedChipFacts } from '../chip/chip-rules.ts';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import type { Completeness, Missing } from '../registrations-details/completeness.ts';
import type { DetailsRepository, StoredDetails } from '../registrations-details/details-repository.ts';
import { localDate } from '../reference/queries.ts';
import type { DiscardReason, MigrantLanguage, RegistrationView, Store, StoredDocument } from '../store/index.ts';
import { REGISTRATION_SELECT, toRegistration } from '../store/registrations.ts';
import { DEFAULT_REGISTRATION_RULES, type RegistrationRules, type ReviewWarning, blockingCodes, isAnotherPerson, reviewDocument } from './registration-rules.ts';

export type AttachedItem = 'details' | 'consent' | 'fingerprints' | 'approval';
/** A details body in part, as autosaved (nested members in part too). */
export type DetailsDraft = Record<string, unknown>;

export interface Review {
  registrationNumber: string;
  age: number | null;
  minimumAge: number;
  warnings: ReviewWarning[];
  /** Some warning blocks and no approval covers it. */
  approvalRequired: boolean;
  approval: RegistrationView['approval'];
  missing: Missing[];
  /** May be finalized now. */
  ready: boolean;
}

export interface PreviousRegistration {
  id: string;
  registrationNumber: string;
  finalizedAt: string | null;
  officeCode: string;
  officeName: string | null;
  homeDistrict: string | null;
  homeDistrictName: string | null;
  occupationIsco: string | null;
  occupationTitle: string | null;
  employerId: string | null;
  employerName: string | null;
  vacancyId: string | null;
  vacancyTitle: string | null;
}

export interface Returning {
  returning: boolean;
  previous: PreviousRegistration[];
  /** Details of the latest earlier registration, as a PUT /details body without consent (and without a job offer). */
  prefill: DetailsDraft;
}

export interface DraftView {
  fields: DetailsDraft;
  progress: RegistrationView['progress'];
  prefilledFields: string[];
}

export interface CounterServiceOptions {
  store: Store;
  details: DetailsRepository;
  completeness?: Pick<Completeness, 'missing'>;
  rules?: RegistrationRules;
  officeCode: string;
  officeName?: string;
  timeZone?: string;
  now?: () => Date;
}

const SYSTEM = 'system';
const MAX_PREVIOUS_SHOWN = 10;
/** Nested members of the details body that the autosave merges member by member. */
const NESTED = new Set(['nextOfKin', 'consent']);

const notFound = (id: string) => new ApplianceError(ApplianceErrors.NOT_FOUND.code, `no registration ${id} at this post`, { id });

/** The stored details as the PUT /details body that would save them again. */
export function detailsAsBody(d: StoredDetails | undefined): DetailsDraft {
  if (!d) return {};
  return {
    phone: d.phone,
    homeProvince: d.homeProvince,
    homeDistrict: d.homeDistrict,
    education: d.education,
    occupationIsco: d.occupationIsco,
    employerId: d.employerId,
    vacancyId: d.vacancyId,
    jobOfferQr: d.jobOffer?.text ?? null,
    destinationProvince: d.destinationProvince,
    nextOfKin: { ...d.nextOfKin },
    language: d.language,
    consent: { given: d.consent.given, language: d.consent.language, readAt: d.consent.readAt },
  };
}

/** `patch` over `base`: a null member removes it; nextOfKin and consent merge member by member. */
export function mergeDraft(base: DetailsDraft, patch: DetailsDraft): DetailsDraft {
  const out: DetailsDraft = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (NESTED.has(k) && typeof v === 'object' && !Array.isArray(v)) {
      const inner = mergeDraft((typeof out[k] === 'object' && out[k] !== null ? out[k] : {}) as DetailsDraft, v as DetailsDraft);
      if (Object.keys(inner).length === 0) delete out[k];
      else out[k] = inner;
    } else out[k] = v;
  }
  return out;
}

/** Dotted names of the leaves of a draft ("nextOfKin.name"): what the audit records instead of values. */
function leafNames(d: DetailsDraft, prefix = ''): string[] {
  return Object.entries(d).flatMap(([k, v]) =>
    NESTED.has(k) && typeof v === 'object' && v !== null ? leafNames(v as DetailsDraft, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

export interface CounterService {
  readonly rules: RegistrationRules;
  get(id: string): RegistrationView;
  /** NOT_FOUND, REGISTRATION_FINALIZED, REGISTRATION_DISCARDED: a registration that may still change. */
  requireOpen(id: string): RegistrationView;
  attached(id: string): AttachedItem[];
  attachDocument(id: string, document: StoredDocument, actor: string, o?: { replacePerson?: boolean }): RegistrationView;
  review(id: string): Review;
  /** Records the supervisor's approval of the current blocking warnings (audited; actor = supervisor). */
  approve(id: string, supervisorId: string, officerId: string): Review;
  /** SUPERVISOR_APPROVAL_REQUIRED unless nothing blocks or an approval covers every blocking warning. */
  assertApproved(id: string): void;
  setProgress(id: string, step: string, field: string | null): RegistrationView['progress'];
  setLanguage(id: string, language: MigrantLanguage, actor: string): RegistrationView;
  /** Called inside the details save's transaction: the details' language is the migrant language; the draft is saved. */
  afterDetailsSaved(id: string, language: MigrantLanguage): void;
  saveDraft(id: string, patch: { fields?: DetailsDraft; step?: string; field?: string | null }, actor: string): DraftView;
  draft(id: string): DraftView;
  returning(id: string): Returning;
  discard(id: string, reason: Exclude<DiscardReason, 'expired'>, note: string | null, actor: string): RegistrationView;
  /** Discards open drafts idle for longer than the office's draftExpiryHours; returns them. */
  expireStale(): RegistrationView[];
  /** Open drafts (not finalized, not discarded), latest activity first. */
  drafts(limit: number): RegistrationView[];
  /** Open registrations with a blocking warning and no approval: the supervisor's queue, oldest first. */
  awaitingApproval(limit: number): Array<{ registration: RegistrationView; age: number | null; warnings: ReviewWarning[]; waitingSince: string }>;
  /** The office's calendar day (yyyy-mm-dd). */
  today(): string;
}

export function createCounterService(o: CounterServiceOptions): CounterService {
  const { store, details } = o;
  const db: Database = store.connection;
  const rules = o.rules ?? DEFAULT_REGISTRATION_RULES;
  const now = o.now ?? (() => new Date());
  const timeZone = o.timeZone ?? 'Africa/Harare';
  const today = () => localDate(now(), timeZone);

  const ensure = db.prepare(`INSERT INTO registration_state (registration_id, touched_at) VALUES (?, ?) ON CONFLICT (registration_id) DO NOTHING`);
  const touch = (id: string, at: string) => {
    ensure.run(id, at);
    db.prepare('UPDATE registration_state SET touched_at = ? WHERE registration_id = ?').run(at, id);
  };
  const stateOf = (id: string) =>
    db.prepare('SELECT details_draft_json, prefilled_json FROM registration_state WHERE registration_id = ?').get(id) as
      | { details_draft_json: string | null; prefilled_json: string | null }
      | undefined;
  const draftOf = (id: string): DetailsDraft => JSON.parse(stateOf(id)?.details_draft_json ?? '{}') as DetailsDraft;

  const get = (id: string): RegistrationView => {
    const r = store.registrations.get(id);
    if (!r) throw notFound(id);
    return r;
  };
  const requireOpen = (id: string): RegistrationView => {
    const r = get(id);
    if (r.status === 'finalized') throw new ApplianceError(ApplianceErrors.REGISTRATION_FINALIZED.code, 'This registration is finalized; it can no longer be changed.', { id });
    if (r.discarded) {
      throw new ApplianceError(ApplianceErrors.REGISTRATION_DISCARDED.code, `This draft was ${r.discarded.expired ? 'discarded as expired' : 'discarded'}; start a new registration.`, { id });
    }
    return r;
  };

  const attached = (id: string): AttachedItem[] => {
    const out: AttachedItem[] = [];
    const saved = details.get(id);
    if (saved || Object.keys(draftOf(id)).length > 0) out.push('details');
    if (saved?.consent.given) out.push('consent');
    const prints = db.prepare('SELECT count(*) FROM fingerprints WHERE registration_id = ?').pluck().get(id) as number;
    if (prints > 0) out.push('fingerprints');
    if (get(id).approval) out.push('approval');
    return out;
  };

  const review = (id: string): Review => {
    const r = get(id);
    const { age, warnings } = reviewDocument(r.document, today(), rules, storedChipFacts(db, id));
    const blocking = blockingCodes(warnings);
    const covered = r.approval !== null && blocking.every((c) => r.approval?.warnings.includes(c));
    const approvalRequired = r.status !== 'finalized' && blocking.length > 0 && !covered;
    const missing = r.status === 'finalized' ? [] : (o.completeness?.missing(id) ?? []);
    const documentOk = r.document !== null && r.document.valid !== false;
    return {
      registrationNumber: r.registrationNumber,
      age,
      minimumAge: rules.minimumAge,
      warnings,
      approvalRequired,
      approval: r.approval,
      missing,
      ready: r.status !== 'finalized' && !r.discarded && documentOk && missing.length === 0 && !approvalRequired,
    };
  };

  /** Details of the latest earlier registration that has any, as a body to prefill (no consent, no job offer). */
  const prefillFrom = (previous: string[]): DetailsDraft => {
    for (const pid of previous) {
      const body = detailsAsBody(details.get(pid));
      if (Object.keys(body).length === 0) continue;
      delete body.consent;
      delete body.jobOfferQr;
      // A vacancy that is no longer open would only be refused at Continue: the officer picks a current one.
      if (typeof body.vacancyId === 'string') {
        const v = details.reference.vacancy(body.vacancyId);
        if (v && v.status !== 'open') delete body.vacancyId;
      }
      for (const [k, v] of Object.entries(body)) if (v === null) delete body[k];
      return body;
    }
    return {};
  };

  const returning = (id: string): Returning => {
    const ids = store.registrations.previousRegistrations(id);
    const officeName = (code: string): string | null => {
      if (code === o.officeCode && o.officeName) return o.officeName;
      return (db.prepare('SELECT name FROM ref_offices WHERE code = ?').pluck().get(code) as string | undefined) ?? null;
    };
    const previous = ids.slice(0, MAX_PREVIOUS_SHOWN).flatMap((pid): PreviousRegistration[] => {
      const p = store.registrations.get(pid);
      if (!p) return [];
      const d = details.get(pid);
      return [
        {
          id: p.id,
          registrationNumber: p.registrationNumber,
          finalizedAt: p.finalizedAt,
          officeCode: p.officeCode,
          officeName: officeName(p.officeCode),
          homeDistrict: d?.homeDistrict ?? null,
          homeDistrictName: d?.homeDistrictName ?? null,
          occupationIsco: d?.occupationIsco ?? null,
          occupationTitle: d?.occupationTitle ?? null,
          employerId: d?.employerId ?? null,
          employerName: d?.employerName ?? null,
          vacancyId: d?.vacancyId ?? null,
          vacancyTitle: d?.vacancyTitle ?? null,
        },
      ];
    });
    return { returning: ids.length > 0, previous, prefill: prefillFrom(ids) };
  };

  const clearPerson = (id: string, at: string) => {
    db.prepare('DELETE FROM registration_details WHERE registration_id = ?').run(id);
    db.prepare('DELETE FROM fingerprints WHERE registration_id = ?').run(id);
    db.prepare(
      `UPDATE registration_state SET details_draft_json = NULL, prefilled_json = NULL, approved_by = NULL, approved_at = NULL,
         approved_warnings = NULL, step = NULL, field = NULL, progress_at = NULL, touched_at = ? WHERE registration_id = ?`,
    ).run(at, id);
  };

  const draftView = (id: string): DraftView => {
    const r = get(id);
    const s = stateOf(id);
    return {
      fields: mergeDraft(detailsAsBody(details.get(id)), JSON.parse(s?.details_draft_json ?? '{}') as DetailsDraft),
      progress: r.progress,
      prefilledFields: JSON.parse(s?.prefilled_json ?? '[]') as string[],
    };
  };

  const lastActivity = `max(r.updated_at, COALESCE(s.touched_at, ''), COALESCE(d.updated_at, ''),
      COALESCE((SELECT max(f.recorded_at) FROM fingerprints f WHERE f.registration_id = r.id), ''))`;
  const openJoin = `${REGISTRATION_SELECT} LEFT JOIN registration_details d ON d.registration_id = r.id`;

  return {
    rules,
    get,
    requireOpen,
    attached,
    today,

    attachDocument(id, document, actor, opts = {}) {
      return store.transaction('registrations.attachDocument', () => {
        const before = requireOpen(id);
        const at = now().toISOString();
        const anotherPerson = before.document !== null && isAnotherPerson(before.document, document);
        if (anotherPerson) {
          const items = attached(id);
          if (items.length > 0) {
            if (opts.replacePerson !== true) {
              throw new ApplianceError(
                ApplianceErrors.DOCUMENT_PERSON_CHANGED.code,
                `This passport is another person's: this draft already holds the first person's ${items.join(', ')}. Start a new registration, or confirm to clear them.`,
                { attached: items },
              );
            }
            touch(id, at);
            clearPerson(id, at);
            store.audit.append({ actor, action: 'registration.person_replaced', entityType: 'registration', entityId: id, details: { cleared: items } });
          }
        }
        if (before.approval && !anotherPerson) {
          // Any new document voids an approval: it approved the warnings of the one it saw.
          db.prepare('UPDATE registration_state SET approved_by = NULL, approved_at = NULL, approved_warnings = NULL WHERE registration_id = ?').run(id);
          store.audit.append({ actor, action: 'registration.approval_voided', entityType: 'registration', entityId: id, details: { reason: 'document-attached' } });
        }
        const registration = store.registrations.attachDocument(id, document, actor);
        // A returning migrant's details are prefilled once, into the autosaved draft, for the officer to confirm or change.
        if (!details.get(id) && Object.keys(draftOf(id)).length === 0) {
          const prefill = prefillFrom(store.registrations.previousRegistrations(id));
          if (Object.keys(prefill).length > 0) {
            touch(id, at);
            db.prepare('UPDATE registration_state SET details_draft_json = ?, prefilled_json = ? WHERE registration_id = ?').run(
              JSON.stringify(prefill),
              JSON.stringify(leafNames(prefill)),
              id,
            );
            if (typeof prefill.language === 'string') db.prepare('UPDATE registration_state SET migrant_language = ? WHERE registration_id = ?').run(prefill.language, id);
            store.audit.append({ actor, action: 'registration.details_prefilled', entityType: 'registration', entityId: id, details: { fields: leafNames(prefill) } });
          }
        }
        return get(registration.id);
      });
    },

    review,

    approve(id, supervisorId, officerId) {
      return store.transaction('registrations.approve', () => {
        const r = requireOpen(id);
        const { age, warnings } = reviewDocument(r.document, today(), rules, storedChipFacts(db, id));
        const blocking = blockingCodes(warnings);
        if (blocking.length === 0) throw new ApplianceError(ApplianceErrors.APPROVAL_NOT_NEEDED.code, 'Nothing on this registration needs a supervisor\'s approval.', { id });
        const at = now().toISOString();
        touch(id, at);
        db.prepare('UPDATE registration_state SET approved_by = ?, approved_at = ?, approved_warnings = ? WHERE registration_id = ?').run(
          supervisorId,
          at,
          JSON.stringify(blocking),
          id,
        );
        store.audit.append({ actor: supervisorId, action: 'registration.approved', entityType: 'registration', entityId: id, details: { officerId, warnings: blocking, age } });
        return review(id);
      });
    },

    assertApproved(id) {
      const rv = review(id);
      if (!rv.approvalRequired) return;
      const codes = blockingCodes(rv.warnings);
      throw new ApplianceError(
        ApplianceErrors.SUPERVISOR_APPROVAL_REQUIRED.code,
        `A supervisor must approve this registration before it is saved: ${rv.warnings.filter((w) => w.blocking).map((w) => w.message).join(' ')}`,
        { warnings: codes },
      );
    },

    setProgress(id, step, field) {
      return store.transaction('registrations.progress', () => {
        requireOpen(id);
        const at = now().toISOString();
        touch(id, at);
        // Navigation, not a change of the record: not audited (the audit log would grow by every tap).
        db.prepare('UPDATE registration_state SET step = ?, field = ?, progress_at = ? WHERE registration_id = ?').run(step, field, at, id);
        return get(id).progress;
      });
    },

    setLanguage(id, language, actor) {
      return store.transaction('registrations.language', () => {
        const before = requireOpen(id);
        const at = now().toISOString();
        touch(id, at);
        db.prepare('UPDATE registration_state SET migrant_language = ? WHERE registration_id = ?').run(language, id);
        store.audit.append({ actor, action: 'registration.language_set', entityType: 'registration', entityId: id, details: { language, from: before.migrantLanguage } });
        const saved = details.get(id);
        if (saved && saved.language !== language) {
          // The saved details follow the one migrant language; a consent read in another language no longer stands.
          const withdraw = saved.consent.given && saved.consent.language !== language;
          const { registrationId: _r, version: _v, updatedAt: _u, updatedBy: _b, ...recorded } = saved;
          const next = { ...recorded, language, consent: { ...recorded.consent, given: withdraw ? false : recorded.consent.given } };
          details.save(id, next, actor);
          if (withdraw) {
            store.audit.append({ actor, action: 'registration.consent_withdrawn', entityType: 'registration', entityId: id, details: { reason: 'language-changed', consentLanguage: saved.consent.language, language } });
          }
        }
        return get(id);
      });
    },

    afterDetailsSaved(id, language) {
      const at = now().toISOString();
      touch(id, at);
      db.prepare('UPDATE registration_state SET migrant_language = ?, details_draft_json = NULL WHERE registration_id = ?').run(language, id);
    },

    saveDraft(id, patch, actor) {
      return store.transaction('registrations.detailsDraft', () => {
        requireOpen(id);
        const at = now().toISOString();
        touch(id, at);
        if (patch.fields && Object.keys(patch.fields).length > 0) {
          const merged = mergeDraft(draftOf(id), patch.fields);
          db.prepare('UPDATE registration_state SET details_draft_json = ? WHERE registration_id = ?').run(JSON.stringify(merged), id);
          if (typeof patch.fields.language === 'string') {
            db.prepare('UPDATE registration_state SET migrant_language = ? WHERE registration_id = ?').run(patch.fields.language, id);
          }
          // Field names only: the audit log keeps no personal data.
          store.audit.append({ actor, action: 'registration.details_draft_saved', entityType: 'registration', entityId: id, details: { fields: leafNames(patch.fields) } });
        }
        if (patch.step !== undefined) {
          db.prepare('UPDATE registration_state SET step = ?, field = ?, progress_at = ? WHERE registration_id = ?').run(patch.step, patch.field ?? null, at, id);
        } else if (patch.field !== undefined) {
          db.prepare('UPDATE registration_state SET field = ?, progress_at = ? WHERE registration_id = ? AND step IS NOT NULL').run(patch.field, at, id);
        }
        return draftView(id);
      });
    },

    draft(id) {
      get(id);
      return draftView(id);
    },

    returning,

    discard(id, reason, note, actor) {
      return store.transaction('registrations.discard', () => {
        const before = requireOpen(id);
        const at = now().toISOString();
        touch(id, at);
        db.prepare('UPDATE registration_state SET discarded_at = ?, discarded_by = ?, discard_reason = ?, discard_note = ? WHERE registration_id = ?').run(
          at,
          actor,
          reason,
          note,
          id,
        );
        // The note may name the person: it stays in the row, the audit has the reason only.
        store.audit.append({ actor, action: 'registration.discarded', entityType: 'registration', entityId: id, details: { reason, fromStatus: before.status, note: note !== null } });
        return get(id);
      });
    },

    expireStale() {
      const cutoff = new Date(now().getTime() - rules.draftExpiryHours * 3_600_000).toISOString();
      const stale = db.prepare(`${openJoin} WHERE r.status <> 'finalized' AND s.discarded_at IS NULL AND ${lastActivity} < ? ORDER BY r.seq LIMIT 500`);
      // Read first: the sweep (every few minutes, and each drafts list) takes the write lock only when something expires.
      if (stale.all(cutoff).length === 0) return [];
      return store.transaction('registrations.expireStale', () => {
        // Again inside the transaction: activity may have landed in between.
        const rows = stale.all(cutoff) as Parameters<typeof toRegistration>[0][];
        const at = now().toISOString();
        return rows.map((row) => {
          ensure.run(row.id, at);
          db.prepare(`UPDATE registration_state SET discarded_at = ?, discarded_by = ?, discard_reason = 'expired', expired = 1 WHERE registration_id = ?`).run(at, SYSTEM, row.id);
          store.audit.append({
            actor: SYSTEM,
            action: 'registration.expired',
            entityType: 'registration',
            entityId: row.id,
            details: { fromStatus: row.status, idleHours: rules.draftExpiryHours },
          });
          return get(row.id);
        });
      });
    },

    drafts(limit) {
      const rows = db
        .prepare(`${openJoin} WHERE r.status <> 'finalized' AND s.discarded_at IS NULL ORDER BY ${lastActivity} DESC, r.seq DESC LIMIT ?`)
        .all(limit) as Parameters<typeof toRegistration>[0][];
      return rows.map(toRegistration);
    },

    awaitingApproval(limit) {
      const rows = db
        .prepare(`${openJoin} WHERE r.status = 'captured' AND s.discarded_at IS NULL ORDER BY r.seq`)
        .all() as Parameters<typeof toRegistration>[0][];
      const out: ReturnType<CounterService['awaitingApproval']> = [];
      for (const row of rows) {
        const rv = review(row.id);
        if (!rv.approvalRequired) continue;
        out.push({ registration: toRegistration(row), age: rv.age, warnings: rv.warnings.filter((w) => w.blocking), waitingSince: row.updated_at });
        if (out.length >= limit) break;
      }
      return out;
    },
  };
}
