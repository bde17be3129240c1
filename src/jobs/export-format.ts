/**
 * Export file formats: CSV (RFC 4180 through csv-stringify: quoted fields, doubled quotes, CRLF,
 * a BOM, formulas neutralized) and a JSON array.
 */
import { stringify } from 'csv-stringify/sync';
import type { ExpenseExportRow } from '../db/queries/exports.js';

/** An expense as an export writes it: the query's row, with its global ID. */
export type ExportRecord = Omit<ExpenseExportRow, 'dbId'> & { readonly id: string };

const COLUMNS: readonly (keyof ExportRecord)[] = [
  'id',
  'date',
  'amount',
  'currency',
  'description',
  'merchant',
  'category',
  'categorySource',
];

const CSV_OPTIONS = {
  record_delimiter: 'windows',
  // A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) starts with a quote
  // instead: OWASP's CSV injection advice, as csv-stringify implements it.
  escape_formulas: true,
} as const;

/** One field as CSV writes it (for tests and callers that need a single cell). */
export function csvField(value: string | null): string {
  return stringify([[value]], { ...CSV_OPTIONS, record_delimiter: 'unix' }).replace(/\n$/, '');
}

/** The header line, after a UTF-8 byte order mark (so spreadsheets read non-ASCII text right). */
export function csvHeader(): string {
  return stringify([COLUMNS as string[]], { ...CSV_OPTIONS, bom: true });
}

export function csvRows(records: readonly ExportRecord[]): string {
  return stringify(
    records.map((record) => COLUMNS.map((c) => record[c])),
    CSV_OPTIONS,
  );
}

/** A batch of a JSON array: `first` opens the array, later batches continue it. */
export function jsonRows(records: readonly ExportRecord[], first: boolean): string {
  const body = records.map((record) => JSON.stringify(record)).join(',\n');
  if (body === '') return first ? '[' : '';
  return `${first ? '[\n' : ',\n'}${body}`;
}
