/**
 * SQL pieces for keyset (cursor) pagination: an ORDER BY on (sort key, id) and the row
 * comparison that continues after a cursor. Both directions of a list use the same index.
 * The pieces take the cursor and the limit as named parameters (`cursorValue`, `cursorId`,
 * `limit`), so a statement's text depends on the window's shape only (see `windowShape`).
 */
import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { param } from '../statement.js';

export type Direction = 'asc' | 'desc';

export interface SortKey {
  /** The sort column, e.g. an aliased table's `e.expenseDate`. */
  readonly column: SQLWrapper;
  /** The id column that breaks ties, e.g. `e.id`. */
  readonly id: SQLWrapper;
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

/** The parameters `keysetCondition` and a `limit ${param('limit')}` take from a window. */
export type KeysetParams = {
  readonly limit: number;
  readonly cursorValue: string | undefined;
  readonly cursorId: number | undefined;
};

function effectiveDirection(key: SortKey, backward: boolean): Direction {
  if (!backward) return key.direction;
  return key.direction === 'asc' ? 'desc' : 'asc';
}

/** What of a window shapes a statement's text: its direction, and what kind of cursor it has. */
export function windowShape(window: KeysetWindow): string {
  const cursor = window.cursor ? (window.inclusive ? 'from' : 'after') : 'none';
  return `${window.backward ? 'backward' : 'forward'}:${cursor}`;
}

export function keysetParams(window: KeysetWindow): KeysetParams {
  return {
    limit: window.limit,
    cursorValue: window.cursor ? String(window.cursor.value) : undefined,
    cursorId: window.cursor?.id,
  };
}

export function keysetOrderBy(key: SortKey, backward: boolean): SQL {
  const dir = sql.raw(effectiveDirection(key, backward));
  return sql`${key.column} ${dir}, ${key.id} ${dir}`;
}

export function keysetCondition(key: SortKey, window: KeysetWindow): SQL {
  if (!window.cursor) return sql`true`;
  const ascending = effectiveDirection(key, window.backward) === 'asc';
  const op = sql.raw(`${ascending ? '>' : '<'}${window.inclusive ? '=' : ''}`);
  const value = sql`${param('cursorValue')}::${sql.raw(key.cast)}`;
  return sql`(${key.column}, ${key.id}) ${op} (${value}, ${param('cursorId')}::bigint)`;
}

/** The owner ids as one bigint[] parameter, for `unnest(...)` or `= any(...)`. */
export function bigintArray(ids: readonly number[]): SQL {
  return sql`${`{${ids.join(',')}}`}::bigint[]`;
}

/**
 * `column = any($1::bigint[])`: one statement text whatever the number of ids, so the prepared
 * statement is reused (Drizzle's `inArray` writes one placeholder per id: a new text, parse and
 * plan for every batch size).
 */
export function anyId(column: SQLWrapper, ids: readonly number[]): SQL {
  return sql`${column} = any(${bigintArray(ids)})`;
}

/** `ids` (a named parameter, `{1,2,3}`) as a bigint[]: `unnest(...)`, `= any(...)`. */
export const idsParam: SQL = sql`${param('ids')}::bigint[]`;

/**
 * Splits the rows of a per-owner LATERAL page query by owner (every owner gets a list, empty if
 * need be), in the requested order: a backward page is scanned in reverse and flipped here.
 * `toRow` builds each row without the owner column (an object literal of fixed shape: a rest
 * spread per row, or deleting keys, showed up as ~6% of a page request's CPU).
 */
export function groupPages<R extends { owner: number }, T>(
  rows: Iterable<R>,
  ownerIds: readonly number[],
  backward: boolean,
  toRow: (row: R) => T,
): Map<number, T[]> {
  const byOwner = new Map<number, T[]>(ownerIds.map((id) => [id, []]));
  for (const row of rows) byOwner.get(row.owner)?.push(toRow(row));
  if (backward) for (const list of byOwner.values()) list.reverse();
  return byOwner;
}
