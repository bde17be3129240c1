/**
 * The bulk insert's own ceiling on this machine, measured in the run: the gateway's statement for
 * a 1,000-row createExpenses (src/db/queries/expense-inserts.ts: the rows, their dirty days and their
 * jobs, one statement), built once and sent through the same driver straight to Postgres on as many connections as the
 * bulk scenario uses, with no HTTP, GraphQL or validation. No gateway can insert faster than
 * Postgres runs that statement; the bulk scenario is judged against it as sign-ups are against
 * the KDF.
 */
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { expenseInsertsSql } from '../src/db/queries/expense-inserts.js';

export interface BulkCeiling {
  /** Rows per statement. */
  readonly rows: number;
  readonly connections: number;
  readonly seconds: number;
  /** Statements completed per second, all connections together. */
  readonly statementsPerSec: number;
  /** rows × statements per second. */
  readonly rowsPerSec: number;
}

export interface BulkCeilingOptions {
  readonly databaseUrl: string;
  /** The bulk scenario's user and category (database ids). */
  readonly userId: number;
  readonly categoryId: number;
  readonly rows: number;
  readonly connections: number;
  readonly seconds: number;
}

/** Runs the statement back to back on `connections` connections for `seconds`. */
export async function measureBulkCeiling(options: BulkCeilingOptions): Promise<BulkCeiling> {
  const { rows, connections, seconds } = options;
  const batch = Array.from({ length: rows }, (_, i) => ({
    userId: options.userId,
    categoryId: options.categoryId,
    amount: `${(i % 97) + 1}.25`,
    currency: null,
    description: `bulk ceiling row ${i}`,
    merchant: null,
    expenseDate: `2026-${String((i % 12) + 1).padStart(2, '0')}-10`,
    categorySource: 'MANUAL' as const,
  }));
  // The gateway's debounce does not change the statement's cost; 0 keeps rollup jobs due now.
  const statement = expenseInsertsSql(options.userId, batch, 0);
  const sql = postgres(options.databaseUrl, { max: connections, onnotice: () => {} });
  // Sent as the gateway sends it: through Drizzle's driver (its JSON parameter handling).
  const db = drizzle(sql);
  const run = () => db.execute(statement);
  try {
    // One unmeasured statement per connection: the first one parses and plans.
    await Promise.all(Array.from({ length: connections }, run));
    let done = 0;
    const started = performance.now();
    const until = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < until) {
          await run();
          done++;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const statementsPerSec = Math.round((done / elapsed) * 10) / 10;
    return {
      rows,
      connections,
      seconds: Math.round(elapsed * 10) / 10,
      statementsPerSec,
      rowsPerSec: Math.round(statementsPerSec * rows),
    };
  } finally {
    await sql.end();
  }
}
