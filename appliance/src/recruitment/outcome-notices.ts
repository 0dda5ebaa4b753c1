/**
 * Outcomes from the central (reference table recruitment_outcomes, protocol/src/recruitment.ts) turned into
 * notices at the counter (issue #17 item 5): each candidacy that becomes shortlisted or selected gets one notice
 * row — a printed slip for the officer to hand over (outcome-notice-pdf.ts) — and, when the migrant gave a phone
 * number, one message in the notification outbox, in their language. Notice, message and audit row commit
 * together; the notice row makes a second sweep a no-op, so a restart never messages anyone twice.
 */
import type { Database } from 'better-sqlite3';
import { createLogger, type Logger } from '@lmc/core/logger.ts';
import type { NotificationOutbox } from '../notifications/notification-outbox.ts';
import { appendAudit } from '../store/audit-chain.ts';
import { registrationNumber } from '../store/registration-number.ts';
import type { Store } from '../store/index.ts';
import { languageOf } from './terms-text.ts';
import type { VacancyView } from './vacancy-view.ts';

export const NOTICE_STATUSES = ['shortlisted', 'selected'] as const;
export type NoticeStatus = (typeof NOTICE_STATUSES)[number];

export interface OutcomeNotice {
  candidacyId: string;
  status: NoticeStatus;
  statusOn: string;
  registrationId: string;
  registrationNumber: string;
  /** As the migrant was shown it when interest was recorded; null when the candidacy is no longer here. */
  vacancy: VacancyView | null;
  vacancyId: string;
  language: 'en' | 'sn' | 'nd';
  noticedAt: string;
  slipPrintedAt: string | null;
  /** A message was queued (the migrant gave a phone number). */
  messageQueued: boolean;
}

interface Row {
  candidacy_id: string;
  status: NoticeStatus;
  status_on: string;
  registration_id: string;
  vacancy_id: string;
  office_code: string;
  terms_json: string | null;
  details_json: string | null;
  noticed_at?: string;
  slip_printed_at?: string | null;
}

const SOURCE = `
FROM ref_recruitment_outcomes o
LEFT JOIN recruitment_candidacies c ON c.candidacy_id = o.candidacy_id
LEFT JOIN registration_details d ON d.registration_id = o.registration_id`;

export class OutcomeNotices {
  readonly #store: Store;
  readonly #db: Database;
  readonly #outbox: NotificationOutbox;
  readonly #channel: string;
  readonly #officeName: string;
  readonly #now: () => Date;
  readonly #log: Logger;

  constructor(o: { store: Store; outbox: NotificationOutbox; channel: string; officeName: string; now?: () => Date; logger?: Logger }) {
    this.#store = o.store;
    this.#db = o.store.connection;
    this.#outbox = o.outbox;
    this.#channel = o.channel;
    this.#officeName = o.officeName;
    this.#now = o.now ?? (() => new Date());
    this.#log = o.logger ?? createLogger('recruitment:notices');
  }

  /** New shortlisted/selected outcomes → notices (and messages); returns how many. */
  sweep(): number {
    const fresh = this.#db
      .prepare(
        `SELECT o.candidacy_id, o.status, o.status_on, o.registration_id, o.vacancy_id, o.office_code, c.terms_json, d.details_json ${SOURCE}
         WHERE o.status IN ('shortlisted', 'selected')
           AND NOT EXISTS (SELECT 1 FROM recruitment_outcome_notices n WHERE n.candidacy_id = o.candidacy_id AND n.status = o.status)
         LIMIT 200`,
      )
      .all() as Row[];
    let queued = 0;
    for (const r of fresh) {
      this.#store.transaction('recruitment.notice', () => {
        const at = this.#now().toISOString();
        const inserted = this.#db
          .prepare('INSERT INTO recruitment_outcome_notices (candidacy_id, status, registration_id, noticed_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING')
          .run(r.candidacy_id, r.status, r.registration_id, at).changes;
        if (inserted === 0) return;
        const details = r.details_json ? (JSON.parse(r.details_json) as { phone?: string | null; language?: string }) : null;
        const vacancy = r.terms_json ? (JSON.parse(r.terms_json) as VacancyView) : null;
        let message = false;
        if (details?.phone) {
          message = this.#outbox.enqueue(
            {
              notificationId: `outcome:${r.candidacy_id}:${r.status}`,
              channel: this.#channel,
              recipient: details.phone,
              language: languageOf(details.language),
              template: `outcome.${r.status}`,
              params: {
                number: registrationNumber(r.office_code, r.registration_id),
                vacancy: vacancy?.title ?? vacancy?.occupationTitle ?? r.vacancy_id,
                employer: vacancy?.employerName ?? '',
                office: this.#officeName,
              },
            },
            at,
          );
        }
        appendAudit(this.#db, { actor: 'system', action: 'recruitment.outcome_noticed', entityType: 'registration', entityId: r.registration_id, details: { candidacyId: r.candidacy_id, status: r.status, message } }, at);
        queued++;
      });
    }
    if (queued > 0) this.#log.info({ notices: queued }, 'new recruitment outcomes noticed');
    return queued;
  }

  #view(r: Row & { noticed_at: string; slip_printed_at: string | null }): OutcomeNotice {
    const details = r.details_json ? (JSON.parse(r.details_json) as { language?: string; phone?: string | null }) : null;
    return {
      candidacyId: r.candidacy_id,
      status: r.status,
      statusOn: r.status_on,
      registrationId: r.registration_id,
      registrationNumber: registrationNumber(r.office_code, r.registration_id),
      vacancy: r.terms_json ? (JSON.parse(r.terms_json) as VacancyView) : null,
      vacancyId: r.vacancy_id,
      language: languageOf(details?.language),
      noticedAt: r.noticed_at,
      slipPrintedAt: r.slip_printed_at,
      messageQueued: Boolean(details?.phone),
    };
  }

  /** Notices, newest first; `unprinted` keeps those whose slip was not printed yet. */
  list(o: { unprinted?: boolean; registrationId?: string; limit?: number } = {}): OutcomeNotice[] {
    const rows = this.#db
      .prepare(
        `SELECT o.candidacy_id, n.status, o.status_on, o.registration_id, o.vacancy_id, o.office_code, c.terms_json, d.details_json, n.noticed_at, n.slip_printed_at
         FROM recruitment_outcome_notices n JOIN ref_recruitment_outcomes o ON o.candidacy_id = n.candidacy_id
         LEFT JOIN recruitment_candidacies c ON c.candidacy_id = o.candidacy_id
         LEFT JOIN registration_details d ON d.registration_id = o.registration_id
         WHERE (? = 0 OR n.slip_printed_at IS NULL) AND (? IS NULL OR n.registration_id = ?)
         ORDER BY n.noticed_at DESC, n.candidacy_id LIMIT ?`,
      )
      .all(o.unprinted ? 1 : 0, o.registrationId ?? null, o.registrationId ?? null, Math.min(o.limit ?? 100, 500)) as Array<Row & { noticed_at: string; slip_printed_at: string | null }>;
    return rows.map((r) => this.#view(r));
  }

  get(candidacyId: string, status: string): OutcomeNotice | undefined {
    return this.list({ limit: 500 }).find((n) => n.candidacyId === candidacyId && n.status === status);
  }

  /** The officer printed the slip (audited; the list stops showing it as waiting). */
  markPrinted(candidacyId: string, status: string, actor: string): void {
    this.#store.transaction('recruitment.notice_printed', () => {
      const at = this.#now().toISOString();
      const row = this.#db.prepare('SELECT registration_id FROM recruitment_outcome_notices WHERE candidacy_id = ? AND status = ?').get(candidacyId, status) as { registration_id: string } | undefined;
      if (!row) return;
      this.#db.prepare('UPDATE recruitment_outcome_notices SET slip_printed_at = coalesce(slip_printed_at, ?) WHERE candidacy_id = ? AND status = ?').run(at, candidacyId, status);
      appendAudit(this.#db, { actor, action: 'recruitment.notice_printed', entityType: 'registration', entityId: row.registration_id, details: { candidacyId, status } }, at);
    });
  }
}
