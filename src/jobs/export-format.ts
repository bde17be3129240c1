/** Export file formats: CSV (RFC 4180: quoted fields, doubled quotes, CRLF) and a JSON array. */

export type ExportRecord = {
  readonly id: string;
  readonly date: string;
  readonly amount: string;
  readonly currency: string;
  readonly description: string;
  readonly merchant: string | null;
  readonly category: string | null;
  readonly categorySource: string;
};

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

export function csvField(value: string | null): string {
  if (value === null) return '';
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvHeader(): string {
  return `${COLUMNS.join(',')}\r\n`;
}

export function csvRows(records: readonly ExportRecord[]): string {
  return records
    .map((record) => `${COLUMNS.map((c) => csvField(record[c])).join(',')}\r\n`)
    .join('');
}

/** A batch of a JSON array: `first` opens the array, later batches continue it. */
export function jsonRows(records: readonly ExportRecord[], first: boolean): string {
  const body = records.map((record) => JSON.stringify(record)).join(',\n');
  if (body === '') return first ? '[' : '';
  return `${first ? '[\n' : ',\n'}${body}`;
}
