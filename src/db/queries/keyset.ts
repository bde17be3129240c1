/**
 * SQL pieces for keyset (cursor) pagination: an ORDER BY on (sort key, id) and the row
 * comparison that continues after a cursor. Both directions of a list use the same index.
 */
import { type SQL, sql } from 'drizzle-orm';

export type Direction = 'asc' | 'desc';

export interface SortKey {
  /** The sort column, e.g. sql`e.expense_date`. */
  readonly column: SQL;
  /** The id column that breaks ties, e.g. sql`e.id`. */
  readonly id: SQL;
  readonly direction: Direction;
  /** The Postgres type of a cursor value for `column` (the id is always bigint). */
  readonly cast: 'date' | 'numeric' | 'timestamptz' | 'bigint';
}

/** Where a page starts: after (or, going backward, before) a cursor's (value, id). */
export interface KeysetWindow {
  readonly limit: number;
  readonly backward: boolean;
  readonly cursor: { readonly value: string | number; readonly id: number } | null;
  /** Whether the cursor's own row belongs in the window (used to test for rows before a page). */
  readonly inclusive?: boolean;
}

function effectiveDirection(key: SortKey, backward: boolean): Direction {
  if (!backward) return key.direction;
  return key.direction === 'asc' ? 'desc' : 'asc';
}

export function keysetOrderBy(key: SortKey, backward: boolean): SQL {
  const dir = sql.raw(effectiveDirection(key, backward));
  return sql`${key.column} ${dir}, ${key.id} ${dir}`;
}

export function keysetCondition(key: SortKey, window: KeysetWindow): SQL {
  if (!window.cursor) return sql`true`;
  const ascending = effectiveDirection(key, window.backward) === 'asc';
  const op = sql.raw(`${ascending ? '>' : '<'}${window.inclusive ? '=' : ''}`);
  const value = sql`${String(window.cursor.value)}::${sql.raw(key.cast)}`;
  return sql`(${key.column}, ${key.id}) ${op} (${value}, ${window.cursor.id}::bigint)`;
}
