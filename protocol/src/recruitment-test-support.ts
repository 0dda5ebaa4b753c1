/**
 * Test support: the terms of a fair seasonal harvest contract, as the recruitment tests advertise and offer them
 * (central admin, console, protocol rules, end to end). Import only from tests.
 */
import type { ContractTerms } from './recruitment.ts';

/** R28.42 an hour, 45 hours over 5 days, 6 months, housing and transport free, the employer pays recruitment and travel. */
export const FAIR_TERMS: ContractTerms = {
  wage_zar_cents: 2_842,
  wage_period: 'hour',
  hours_per_week: 45,
  days_per_week: 5,
  contract_months: 6,
  accommodation: 'provided_free',
  transport: 'provided_free',
  recruitment_cost_payer: 'employer',
  travel_cost_payer: 'employer',
};

/** An open vacancy's fair terms with its requirements: adults only, fruit picking, no certificate. */
export const FAIR_VACANCY_TERMS = {
  ...FAIR_TERMS,
  min_age: 18,
  required_skills: ['fruit_picking'],
  required_certificates: [] as string[],
};
