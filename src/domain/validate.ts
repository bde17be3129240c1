/** Input checks shared by mutations: each returns the clean value or throws BAD_USER_INPUT. */
import { badInput } from './errors.js';

const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

export function text(value: string, field: string, max: number): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw badInput(`${field} must not be empty`, field);
  if (trimmed.length > max) throw badInput(`${field} must be at most ${max} characters`, field);
  return trimmed;
}

/** An optional text: null or blank clears it. */
export function optionalText(value: string | null, field: string, max: number): string | null {
  if (value === null || value.trim() === '') return null;
  return text(value, field, max);
}

export function currency(value: string, field: string): string {
  const code = value.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(code) || !CURRENCIES.has(code)) {
    throw badInput(`${field} must be an ISO 4217 currency code such as "USD"`, field);
  }
  return code;
}

export function positiveAmount(value: string, field: string): string {
  if (value.startsWith('-') || /^0+(\.0+)?$/.test(value)) {
    throw badInput(`${field} must be greater than zero`, field);
  }
  return value;
}

export function color(value: string | null, field: string): string | null {
  if (value === null || value.trim() === '') return null;
  const hex = value.trim();
  if (!/^#[0-9a-fA-F]{6}$/.test(hex))
    throw badInput(`${field} must be a color such as "#1a2b3c"`, field);
  return hex.toLowerCase();
}

export const MAX_KEYWORDS = 50;

/** Trimmed, lower-cased, de-duplicated keywords. */
export function keywords(values: readonly string[], field: string): string[] {
  if (values.length > MAX_KEYWORDS)
    throw badInput(`${field} may hold at most ${MAX_KEYWORDS} keywords`, field);
  const clean = values.map((value, i) => text(value, `${field}[${i}]`, 50).toLowerCase());
  return [...new Set(clean)];
}

export function email(value: string, field: string): string {
  const trimmed = value.trim();
  if (trimmed.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(trimmed)) {
    throw badInput(`${field} must be a valid email address`, field);
  }
  return trimmed;
}

export function password(value: string, field: string): string {
  if (value.length < 8) throw badInput(`${field} must be at least 8 characters`, field);
  if (value.length > 200) throw badInput(`${field} must be at most 200 characters`, field);
  return value;
}

export function dateRange(from: string, to: string, maxDays?: number): void {
  if (from > to) throw badInput('from must not be after to', 'from');
  if (maxDays !== undefined) {
    const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
    if (days > maxDays) throw badInput(`The range may span at most ${maxDays} days`, 'to');
  }
}

/** Today's date in UTC, YYYY-MM-DD. */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}
