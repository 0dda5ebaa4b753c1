/**
 * CSV per RFC 4180: CRLF line ends; a field is quoted when it holds a comma, quote, CR or LF; quotes
 * doubled. Text that a spreadsheet would run as a formula (CSV injection, OWASP): a field starting
 * with =, +, -, @, tab or CR gets a leading apostrophe and is always quoted, so a district named
 * `=HYPERLINK(...)` arrives as text. Numbers and booleans are ours and pass as they are.
 */

export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  if (FORMULA_START.test(value)) return `"'${value.replace(/"/g, '""')}"`;
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header, ...rows].map((r) => `${r.map(csvField).join(',')}\r\n`).join('');
}
