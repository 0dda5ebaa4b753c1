/**
 * Outcomes from the central → notices at the counter: one notice and one message per shortlisting or selection
 * (never twice, also across sweeps), in the migrant's language, with the printed notice and the receipt listing
 * the vacancy's terms in that language.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { composeReceipt } from '../printing/receipt-composer.ts';
import { receiptCatalogue } from '../printing/receipt-catalogue.ts';
import { createNotificationOutbox } from '../notifications/index.ts';
import { OutcomeNotices } from './outcome-notices.ts';
import { outcomeNoticePdf } from './outcome-notice-pdf.ts';
import { RecruitmentService } from './recruitment-service.ts';
import { composeNotice } from './terms-text.ts';
import { OFFICER, type RecruitmentFixture, openRecruitmentFixture, putVacancy } from './test-support.ts';
import { receiptSections } from './vacancy-sections.ts';

const NOW = new Date('2026-11-29T09:00:00Z');
let fx: RecruitmentFixture;
let service: RecruitmentService;
let notices: OutcomeNotices;

beforeEach(() => {
  fx = openRecruitmentFixture(() => NOW);
  service = new RecruitmentService({ store: fx.store, now: () => NOW });
  notices = new OutcomeNotices({ store: fx.store, outbox: createNotificationOutbox(fx.store.connection), channel: 'log', officeName: 'Beitbridge LMC', now: () => NOW });
  putVacancy(fx.store.connection, { vacancy_id: 'V-A', title: 'Citrus pickers', wage_zar_cents: 2750, wage_period: 'hour', hours_per_week: 45, contract_months: 8, accommodation: 'provided_deducted' });
  putVacancy(fx.store.connection, { vacancy_id: 'V-W', title: 'Packers', recruitment_cost_payer: 'worker' });
});
afterEach(() => fx.close());

const outcome = (candidacyId: string, registrationId: string, status: string) =>
  fx.store.connection
    .prepare(
      `INSERT INTO ref_recruitment_outcomes VALUES (?, ?, 'V-A', 'BBR', ?, '2026-12-02', '[]', 0, NULL, NULL)
       ON CONFLICT (candidacy_id) DO UPDATE SET status = excluded.status`,
    )
    .run(candidacyId, registrationId, status);

describe('outcome notices', () => {
  it('a shortlisting, then a selection: one notice and one message each, in the migrant’s language; never twice', () => {
    const id = fx.registration();
    const [c] = service.addCandidacies(id, ['V-A'], OFFICER);
    const cid = c?.candidacyId as string;
    outcome(cid, id, 'candidate');
    expect(notices.sweep()).toBe(0); // a plain candidacy is no notice
    outcome(cid, id, 'shortlisted');
    expect(notices.sweep()).toBe(1);
    expect(notices.sweep()).toBe(0);
    outcome(cid, id, 'selected');
    expect(notices.sweep()).toBe(1);
    const rows = fx.store.connection.prepare('SELECT notification_id, language, template, recipient, params_json FROM notification_outbox ORDER BY seq').all() as Array<Record<string, string>>;
    expect(rows.map((r) => [r.notification_id, r.language, r.template, r.recipient])).toEqual([
      [`outcome:${cid}:shortlisted`, 'sn', 'outcome.shortlisted', '+263771234567'],
      [`outcome:${cid}:selected`, 'sn', 'outcome.selected', '+263771234567'],
    ]);
    const text = composeNotice('outcome.selected', 'sn', JSON.parse(rows[1]?.params_json as string));
    expect(text).toMatch(/^LMC: Wasarudzwa pabasa Citrus pickers \(Mopane Citrus Estates\), nhamba BBR-/);
    expect(notices.list({ unprinted: true }).map((n) => n.status).sort()).toEqual(['selected', 'shortlisted']);
    notices.markPrinted(cid, 'selected', OFFICER);
    expect(notices.list({ unprinted: true }).map((n) => n.status)).toEqual(['shortlisted']);
    const audit = fx.store.audit.forEntity('registration', id).map((a) => a.action);
    expect(audit.filter((a) => a.startsWith('recruitment.outcome') || a.startsWith('recruitment.notice'))).toEqual(['recruitment.outcome_noticed', 'recruitment.outcome_noticed', 'recruitment.notice_printed']);
  });

  it('no phone given: the notice is kept for the slip, no message is queued', () => {
    const id = fx.registration('FN000111', { phone: null });
    const [c] = service.addCandidacies(id, ['V-A'], OFFICER);
    outcome(c?.candidacyId as string, id, 'selected');
    expect(notices.sweep()).toBe(1);
    expect(notices.list()[0]?.messageQueued).toBe(false);
    expect(fx.store.connection.prepare('SELECT count(*) FROM notification_outbox').pluck().get()).toBe(0);
  });

  it('the printed notice is a one-page PDF in the migrant’s language with the terms, and English for the office', async () => {
    const id = fx.registration();
    const [c] = service.addCandidacies(id, ['V-A'], OFFICER);
    outcome(c?.candidacyId as string, id, 'selected');
    notices.sweep();
    const notice = notices.get(c?.candidacyId as string, 'selected');
    if (!notice) throw new Error('no notice');
    const pdf = await outcomeNoticePdf(notice, { officeName: 'Beitbridge LMC', generatedAt: NOW.toISOString() });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const dir = mkdtempSync(join(tmpdir(), 'notice-'));
    try {
      writeFileSync(join(dir, 'notice.pdf'), pdf);
      const text = execFileSync('pdftotext', ['-layout', join(dir, 'notice.pdf'), '-'], { encoding: 'utf8' });
      expect(text).toContain('ZIVISO YEBASA');
      expect(text).toContain('WASARUDZWA pabasa iri.');
      expect(text).toContain('R27.50 paawa');
      expect(text).toContain('zvinopihwa, mari inobviswa pamubhadharo');
      expect(text).toContain('You are SELECTED for this job.');
      expect(text).toContain('R27.50 an hour');
      if (process.env.NOTICE_PNG) execFileSync('pdftoppm', ['-png', '-r', '60', '-singlefile', join(dir, 'notice.pdf'), process.env.NOTICE_PNG]);
      expect(readFileSync(join(dir, 'notice.pdf')).length).toBeGreaterThan(1000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the receipt lists the terms of the jobs asked for, in the receipt’s language', () => {
  it('one section with each active candidacy: terms, and who pays (a warning when the worker is asked to)', () => {
    const id = fx.registration();
    service.addCandidacies(id, ['V-A', 'V-W'], OFFICER);
    const [section] = receiptSections(fx.store.connection, id, 'nd');
    expect(section?.title).toBe('IMISEBENZI OYICELILEYO');
    expect(section?.lines).toContain('* Citrus pickers');
    expect(section?.lines).toContain('Iholo: R27.50 ngehola');
    expect(section?.lines).toContain('Umqhatshi ubhadala imali yokuqhatsha leyokuhamba. Ungabhadali muntu ngomsebenzi lo.');
    expect(section?.lines.some((l) => l.startsWith('ISEXWAYISO: umsebenzi lo uthi isisebenzi sibhadala imali yokuqhatsha'))).toBe(true);
    const withdrawn = service.candidacies(id).find((c) => c.vacancyId === 'V-W');
    service.withdraw(id, withdrawn?.candidacyId as string, OFFICER);
    expect(receiptSections(fx.store.connection, id, 'nd')[0]?.lines).not.toContain('* Packers');
    const facts = { registrationId: id, registrationNumber: 'BBR-7F3K-9QXM', name: 'MOYO, TENDAI', nationality: 'ZWE', documentType: 'passport', documentNumberMasked: 'F****456', sex: 'M', birthDate: '1995-03-14', date: '2026-11-29', dateTime: '2026-11-29 11:00', officeCode: 'BBR', officeName: 'Beitbridge', officerId: OFFICER, qr: 'ZLMC1;x' };
    const doc = composeReceipt(facts, receiptCatalogue('nd'), { paperWidth: 58, sections: receiptSections(fx.store.connection, id, 'nd') });
    const lines = doc.blocks.flatMap((b) => (b.kind === 'text' ? [b.text] : []));
    expect(lines).toContain('IMISEBENZI OYICELILEYO');
    expect(lines.every((l) => l.length <= 32)).toBe(true);
    expect(lines.join('\n')).toContain('R27.50 ngehola');
    // Without candidacies the receipt is as before: no section.
    expect(receiptSections(fx.store.connection, fx.registration('FN777777'), 'en')).toEqual([]);
  });
});
