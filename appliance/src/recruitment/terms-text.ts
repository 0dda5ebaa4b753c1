/**
 * A vacancy's terms as words in the migrant's language (ui/src/i18n/receipt.<lang>.json, `recruitment.*`): what
 * the receipt, the slip and the outcome notice print, and the SMS texts. ILO fair recruitment: the worker knows
 * the terms before agreeing to anything, in a language they understand. Plain ASCII (the thermal printer).
 */
import { type ReceiptLanguage, isReceiptLanguage, receiptCatalogue } from '../printing/receipt-catalogue.ts';
import type { VacancyView } from './vacancy-view.ts';

export interface TermsBlock {
  /** "Citrus pickers, 2027 season" */
  title: string;
  /** [label, value] rows. */
  rows: Array<[string, string]>;
  /** The cost sentence: the employer pays, or a warning that the worker is asked to. */
  costs: string;
  demo: string | null;
}

/** Rands from cents without floating-point surprises: 1234567 → "12,345.67", 350000 → "3,500". */
export function rands(cents: number): string {
  const whole = Math.floor(cents / 100);
  const rest = cents % 100;
  return `${whole.toLocaleString('en-US')}${rest ? `.${String(rest).padStart(2, '0')}` : ''}`;
}

export function languageOf(l: string | null | undefined): ReceiptLanguage {
  return isReceiptLanguage(l) ? l : 'en';
}

export function termsBlock(v: VacancyView, language: ReceiptLanguage): TermsBlock {
  const c = receiptCatalogue(language);
  const t = (k: string, vars?: Record<string, string>) => c.t(`recruitment.${k}`, vars);
  const none = t('notStated');
  const x = v.terms;
  const provision = (p: string | null) => (p ? t(`provision.${p}`) : none);
  const rows: Array<[string, string]> = [
    [t('employer'), v.employerName],
    [t('workplace'), [x.workplaceDistrict, v.destinationProvince].filter(Boolean).join(', ')],
    [t('wage'), x.wageZarCents !== null && x.wagePeriod ? t(`wagePer.${x.wagePeriod}`, { amount: rands(x.wageZarCents) }) : none],
    [t('hours'), x.hoursPerWeek !== null ? t('hoursValue', { hours: String(x.hoursPerWeek) }) : none],
    [t('contract'), x.contractMonths !== null ? t('contractValue', { months: String(x.contractMonths) }) : none],
    [t('start'), x.startDate ?? none],
    [t('accommodation'), provision(x.accommodation)],
    [t('transport'), provision(x.transport)],
  ];
  if (v.closesOn) rows.push([t('closes'), v.closesOn]);
  const workerPays = [
    ...(x.recruitmentCostPayer !== null && x.recruitmentCostPayer !== 'employer' ? [t('recruitmentCosts')] : []),
    ...(x.travelCostPayer !== null && x.travelCostPayer !== 'employer' ? [t('travelCosts')] : []),
  ];
  return {
    title: v.title ?? v.occupationTitle ?? v.occupationIsco,
    rows,
    costs: workerPays.length > 0 ? t('workerPays', { what: workerPays.join(', ') }) : t('employerPays'),
    demo: v.demo ? t('demo') : null,
  };
}

/** The SMS text of an outcome (`recruitment.sms.<status>`), for the notification dispatcher. */
export function composeNotice(template: string, language: 'en' | 'sn' | 'nd', params: Record<string, string>): string {
  return receiptCatalogue(languageOf(language)).t(`recruitment.sms.${template.replace(/^outcome\./, '')}`, params);
}
