/** Calendar dates as `YYYY-MM-DD` strings, checked to name a day Postgres accepts. */
import { badInput } from './errors.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The date itself; throws BAD_USER_INPUT for another form or a day that does not exist. */
export function parseDate(value: unknown): string {
  const match = typeof value === 'string' ? DATE.exec(value) : null;
  if (!match) throw badInput(`"${String(value)}" is not a date in YYYY-MM-DD form`);
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || y > 9999 || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    throw badInput(`"${value as string}" is not a valid date`);
  }
  return value as string;
}
