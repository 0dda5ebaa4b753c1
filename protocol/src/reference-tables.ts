/**
 * The reference tables that are copied down to the appliances, described once for both ends: the
 * central projects and validates rows with these definitions, the appliance creates its mirror
 * tables and checks every row it applies against them. Pure (no I/O), imported by the appliance
 * the way protocol/batch.ts is.
 *
 * Wire rows use the column names below (snake_case, as stored); a column the centre adds later is
 * not sent until it is declared here, so internal columns never leak to the border posts.
 */
import { EMPLOYER_TERM_COLUMNS, VACANCY_TERM_COLUMNS } from './recruitment.ts';

export type ColumnType =
  /** JSON string. */
  | 'text'
  /** JSON safe integer. */
  | 'integer'
  /** JSON boolean. */
  | 'boolean'
  /** JSON string YYYY-MM-DD (ISO 8601 calendar date). */
  | 'date'
  /** JSON array of strings. */
  | 'text[]';

export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable?: boolean;
  /** Longest text accepted (characters); 1000 when absent. */
  readonly maxLength?: number;
}

/**
 * Who receives a row:
 * - global: every device;
 * - office: devices enrolled at the row's office_code (the officers of that office);
 * - destination: devices whose office serves the row's destination_province (vacancies).
 */
export type ScopeKind = 'global' | 'office' | 'destination';

export interface ReferenceTableDef {
  /** Wire name. */
  readonly name: ReferenceTableName;
  /** Table name at both ends (prefixed so it cannot collide with the appliance's own `officers`). */
  readonly sqlTable: string;
  /** Primary-key column (text). */
  readonly key: string;
  readonly columns: readonly ColumnDef[];
  readonly scope: ScopeKind;
  /** Column naming the scope value when scope is not global. */
  readonly scopeColumn?: string;
}

export const REFERENCE_TABLE_NAMES = ['provinces', 'districts', 'occupations', 'offices', 'officers', 'employers', 'vacancies', 'recruitment_outcomes', 'csca_certificates'] as const;
export type ReferenceTableName = (typeof REFERENCE_TABLE_NAMES)[number];

/** A table: its SQL name at both ends is the wire name prefixed `ref_`; the scope column is named with the scope. */
function table(name: ReferenceTableName, key: string, scope: 'global' | { office: string } | { destination: string }, columns: ColumnDef[]): ReferenceTableDef {
  if (scope === 'global') return { name, sqlTable: `ref_${name}`, key, scope, columns };
  const [kind, scopeColumn] = Object.entries(scope)[0] as [ScopeKind, string];
  return { name, sqlTable: `ref_${name}`, key, scope: kind, scopeColumn, columns };
}

const t = (name: string, type: ColumnType, nullable = false, maxLength?: number): ColumnDef => ({ name, type, nullable, ...(maxLength ? { maxLength } : {}) });

/** In dependency order: a seed or a full load applies them top to bottom. */
export const REFERENCE_TABLES: readonly ReferenceTableDef[] = [
  // ISO 3166-2:ZW codes (ZW-MA …); South African destinations use ISO 3166-2:ZA (ZA-LP) in vacancies.
  table('provinces', 'code', 'global', [t('code', 'text'), t('name', 'text')]),
  table('districts', 'code', 'global', [t('code', 'text'), t('province_code', 'text'), t('name', 'text')]),
  table('occupations', 'isco_code', 'global', [
    // ISCO-08: 1 digit = major group, 2 = sub-major, 3 = minor, 4 = unit group.
    t('isco_code', 'text'),
    t('title', 'text'),
    t('level', 'integer'),
    t('parent_code', 'text', true),
    // 'farm' | 'construction' | 'transport' for the jobs most registrations name; listed first.
    t('common_sector', 'text', true),
    t('common_rank', 'integer', true),
  ]),
  table('offices', 'code', 'global', [
    t('code', 'text'),
    t('name', 'text'),
    t('province_code', 'text'),
    t('district_code', 'text', true),
    // ISO 3166-2:ZA provinces whose vacancies this office's devices receive.
    t('destination_provinces', 'text[]'),
  ]),
  // A directory of who works where; sign-in credentials stay local to each appliance.
  table('officers', 'officer_id', { office: 'office_code' }, [t('officer_id', 'text'), t('office_code', 'text'), t('display_name', 'text'), t('role', 'text'), t('active', 'boolean')]),
  table('employers', 'employer_id', 'global', [
    t('employer_id', 'text'),
    t('name', 'text'),
    t('country', 'text'),
    t('province', 'text'),
    t('town', 'text', true),
    t('sector', 'text'),
    // true for made-up demonstration rows (the shipped seed): never show them as real employers.
    t('demo', 'boolean'),
    // #17 (protocol/src/recruitment.ts EMPLOYER_TERM_COLUMNS): CIPC number, contact, compliance_status
    // 'compliant' | 'under_review' | 'suspended' (a suspended employer's vacancies are closed by the central).
    ...EMPLOYER_TERM_COLUMNS.map((name) => t(name, 'text', true)),
  ]),
  table('vacancies', 'vacancy_id', { destination: 'destination_province' }, [
    t('vacancy_id', 'text'),
    t('employer_id', 'text'),
    t('occupation_isco', 'text'),
    t('destination_province', 'text'),
    t('title', 'text', true),
    t('positions', 'integer'),
    t('opens_on', 'date', true),
    t('closes_on', 'date', true),
    // 'open' | 'filled' | 'closed'
    t('status', 'text'),
    t('demo', 'boolean'),
    // #17 terms (protocol/src/recruitment.ts VACANCY_TERM_COLUMNS, VacancyTerms): nullable on the wire,
    // required by the central for an open vacancy; places_left and flags are computed by the central.
    ...VACANCY_TERM_COLUMNS.map(([name, type]) => t(name, type, true)),
  ]),
  // #17: each candidacy's outcome, to the devices of the office it was recorded at (RecruitmentOutcomeRow).
  table('recruitment_outcomes', 'candidacy_id', { office: 'office_code' }, [
    t('candidacy_id', 'text'),
    t('registration_id', 'text'),
    t('vacancy_id', 'text'),
    t('office_code', 'text'),
    // 'candidate' | 'shortlisted' | 'selected' | 'not_selected' | 'withdrew'
    t('status', 'text'),
    t('status_on', 'date'),
    t('contract_flags', 'text[]'),
    t('contract_recorded', 'boolean'),
    t('orientation_on', 'date', true),
    t('departure_on', 'date', true),
  ]),
  // #18: the Country Signing CA certificates passive authentication trusts (central/src/csca/), to every device.
  table('csca_certificates', 'fingerprint', 'global', [
    // SHA-256 of the DER certificate, lowercase hex.
    t('fingerprint', 'text'),
    // The subject's C= (ISO 3166-1 alpha-2; the simulator's alpha-3 is accepted too).
    t('country', 'text'),
    t('subject', 'text'),
    t('not_before', 'date'),
    t('not_after', 'date'),
    // The certificate itself, DER in base64 (an RSA-4096 CSCA is about 2 KB of base64).
    t('der_base64', 'text', false, 16_384),
  ]),
];

const BY_NAME = new Map<string, ReferenceTableDef>(REFERENCE_TABLES.map((d) => [d.name, d]));

export function referenceTable(name: string): ReferenceTableDef | undefined {
  return BY_NAME.get(name);
}

export function isReferenceTableName(name: string): name is ReferenceTableName {
  return BY_NAME.has(name);
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Why `value` is not a valid `column` value, or undefined when it is. Used on rows an admin sends
 * to the central and on rows the appliance receives: both sides refuse the same things.
 */
export function columnProblem(column: ColumnDef, value: unknown): string | undefined {
  if (value === null || value === undefined) return column.nullable ? undefined : 'is required';
  switch (column.type) {
    case 'text':
      return typeof value === 'string' && value.length <= (column.maxLength ?? 1000) ? undefined : `must be a string of at most ${column.maxLength ?? 1000} characters`;
    case 'integer':
      return Number.isSafeInteger(value) ? undefined : 'must be an integer';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'date':
      return typeof value === 'string' && DATE.test(value) && !Number.isNaN(Date.parse(value)) ? undefined : 'must be a date YYYY-MM-DD';
    case 'text[]':
      return Array.isArray(value) && value.length <= 100 && value.every((v) => typeof v === 'string' && v.length <= 100)
        ? undefined
        : 'must be an array of strings';
  }
}

/**
 * The declared columns of `row`, validated; extra members are dropped (a newer centre may send
 * columns this build does not know). Returns the problems instead when there are any.
 */
export function projectRow(def: ReferenceTableDef, row: unknown): { row: Record<string, unknown> } | { problems: string[] } {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return { problems: ['row must be an object'] };
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const c of def.columns) {
    const v = (row as Record<string, unknown>)[c.name];
    const p = columnProblem(c, v);
    if (p) problems.push(`${def.name}.${c.name} ${p}`);
    else out[c.name] = v ?? null;
  }
  const key = out[def.key];
  if (problems.length === 0 && (typeof key !== 'string' || key.length === 0 || key.length > 64)) {
    problems.push(`${def.name}.${def.key} must be a non-empty key of at most 64 characters`);
  }
  return problems.length > 0 ? { problems } : { row: out };
}
