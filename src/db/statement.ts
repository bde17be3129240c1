/**
 * Statements whose SQL text is built once, from the Drizzle schema, and then only executed.
 *
 * Building a statement with Drizzle (walking its SQL chunks, escaping names, numbering
 * parameters) cost more CPU than the rest of a one-row read; the text of a read depends only on
 * its shape (which filters, which direction, what it brings along), never on the values. So a
 * statement is written with named placeholders, turned into `$1, $2, …` text once, and each
 * execution only lines the values up and sends the text as a named prepared statement.
 */
import { getTableColumns, is, Placeholder, type SQL, sql, type Table } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';

/** Runs statements built once: the request's guarded pool, or the bare pool (worker, tests). */
export interface SqlRunner {
  /** Runs `text` (a prepared statement) with `params`; the rows as objects keyed by column. */
  run<R extends object>(text: string, params: readonly unknown[]): Promise<R[]>;
}

/** A statement's text and the names of its parameters, in `$n` order. */
export interface Statement<P extends Record<string, unknown>> {
  readonly text: string;
  readonly names: readonly (keyof P & string)[];
}

const dialect = new PgDialect();

/** A named parameter in a statement built with `statement()`. */
export function param(name: string): Placeholder {
  return sql.placeholder(name);
}

/**
 * Builds `query`'s text once. Every value in it must be a `param(name)`: a literal value would
 * be frozen into every later execution.
 */
export function statement<P extends Record<string, unknown>>(query: SQL): Statement<P> {
  const built = dialect.sqlToQuery(query);
  const names = built.params.map((value) => {
    if (!is(value, Placeholder)) {
      throw new Error(`A statement built once takes named parameters only: ${built.sql}`);
    }
    return value.name as keyof P & string;
  });
  return { text: built.sql, names };
}

/** Runs `statement` with `values` (a name used twice in the text is sent twice). */
export function execute<R extends object, P extends Record<string, unknown>>(
  db: SqlRunner,
  statement: Statement<P>,
  values: P,
): Promise<R[]> {
  const { names } = statement;
  const params = new Array<unknown>(names.length);
  for (let i = 0; i < names.length; i++) params[i] = values[names[i] as keyof P];
  return db.run<R>(statement.text, params);
}

/**
 * A statement per shape, built on first use: `key` names the shape, `build` writes it. Shapes
 * are few (filter combinations, directions, extras), so the map stays small.
 */
export function byShape<S, P extends Record<string, unknown>>(
  key: (shape: S) => string,
  build: (shape: S) => SQL,
): (shape: S) => Statement<P> {
  const built = new Map<string, Statement<P>>();
  return (shape) => {
    const name = key(shape);
    let found = built.get(name);
    if (!found) {
      found = statement<P>(build(shape));
      built.set(name, found);
    }
    return found;
  };
}

/**
 * `table`'s columns, each as its property name (`"e"."user_id" as "userId"`), so rows come out
 * of the driver shaped like Drizzle's `$inferSelect`; `prefix` keeps a joined table's apart.
 */
export function columnsOf(table: Table, prefix = '', only?: (key: string) => boolean): SQL {
  return sql.join(
    Object.entries(getTableColumns(table))
      .filter(([key]) => only?.(key) ?? true)
      .map(([key, column]) => sql`${column} as ${sql.identifier(prefix + key)}`),
    sql`, `,
  );
}

/** Ids as one `bigint[]` parameter value (`{1,2,3}`): one statement text for any count. */
export function idArray(ids: readonly number[]): string {
  return `{${ids.join(',')}}`;
}
