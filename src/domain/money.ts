/**
 * Money never passes through a float: amounts are exact strings with two decimals, and anything
 * that would need rounding is refused.
 */
import { badInput } from './errors.js';

const DECIMAL = /^-?(0|[1-9]\d{0,11})(\.\d{1,2})?$/;

/** '12.5' -> '12.50'; throws BAD_USER_INPUT for anything not exact to the cent. */
export function parseDecimal(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else throw badInput('Decimal must be a string such as "12.50"');
  if (!DECIMAL.test(text)) {
    throw badInput(`"${String(value)}" is not a decimal amount with at most two decimals`);
  }
  const [whole, fraction = ''] = text.split('.');
  const normalized = `${whole}.${fraction.padEnd(2, '0')}`;
  return normalized === '-0.00' ? '0.00' : normalized;
}

/** Exact comparison of two amounts (as integer cents). */
export function compareDecimal(a: string, b: string): number {
  const cents = (value: string) => BigInt(parseDecimal(value).replace('.', ''));
  const diff = cents(a) - cents(b);
  return diff === 0n ? 0 : diff < 0n ? -1 : 1;
}
