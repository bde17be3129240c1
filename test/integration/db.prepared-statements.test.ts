/**
 * Statements are named prepared statements (parsed and planned once per connection, one round
 * trip after that), whether built once (db/statement.ts) or by Drizzle through the guard's
 * client, and a batch of ids is one array parameter, so any batch size reuses the same
 * statement, planned once per connection (a generic plan, DB_PLAN_CACHE_MODE).
 * DB_PREPARE=false (PgBouncer in transaction mode) prepares nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, createPool } from '../../src/db/client.js';
import { createGuard, createPoolPermits, type GuardedSql } from '../../src/db/guarded-sql.js';
import { findCategoriesByIds } from '../../src/db/queries/categories.js';
import { findExportsByIds } from '../../src/db/queries/exports.js';
import { findUsersByIds } from '../../src/db/queries/users.js';
import { testConfig } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/database.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.drop();
});

/** A one-connection pool (so every statement meets the same session) run through the guard. */
async function withOneConnection<T>(
  env: Record<string, string>,
  fn: (guarded: GuardedSql) => Promise<T>,
): Promise<T> {
  // The pool is direct: the default DB_PREPARE, even when the suite's apps go through PgBouncer.
  const config = testConfig(db.url, { DB_PREPARE: 'true', ...env });
  const pool = createPool(db.url, { ...config.db, poolMax: 1 }, 'ledgerline-prepare-test');
  try {
    return await fn(createGuard(pool, { permits: createPoolPermits(1, 1000) }));
  } finally {
    await pool.end();
  }
}

async function preparedTexts(guarded: GuardedSql): Promise<string[]> {
  const rows = await guarded.run<{ statement: string }>(
    'select statement from pg_prepared_statements',
    [],
  );
  return rows.map((row) => row.statement);
}

describe('prepared statements', () => {
  it('prepares each statement once, whatever the batch size', async () => {
    const texts = await withOneConnection({ DB_PREPARE: 'true' }, async (guarded) => {
      const drizzle = createDb(guarded.client);
      for (const ids of [[1], [1, 2, 3], [5, 4, 3, 2, 1], [7]]) {
        expect(await findUsersByIds(guarded, ids)).toEqual([]);
        expect(await findCategoriesByIds(guarded, ids)).toEqual([]);
        expect(await findExportsByIds(drizzle, ids)).toEqual([]);
      }
      return preparedTexts(guarded);
    });
    expect(texts.filter((text) => text.includes('from "users"'))).toHaveLength(1);
    expect(texts.filter((text) => text.includes('from "categories"'))).toHaveLength(1);
    expect(texts.filter((text) => text.includes('from "exports"'))).toHaveLength(1);
  });

  it.each([
    [{}, 0],
    [{ DB_PLAN_CACHE_MODE: 'force_custom_plan' }, 8],
  ])(
    'plans a statement once per connection by default (%j: %i custom plans)',
    async (env, custom) => {
      const [plans] = await withOneConnection(env, async (guarded) => {
        for (let i = 0; i < 8; i++) await findUsersByIds(guarded, [i + 1, i + 2]);
        return guarded.run<{ generic: number; custom: number }>(
          `select generic_plans::int as generic, custom_plans::int as custom
            from pg_prepared_statements where statement like '%from "users"%'`,
          [],
        );
      });
      expect(plans).toEqual({ generic: 8 - custom, custom });
    },
  );

  it('turns off Postgres JIT, which would compile every execution of a costly generic plan', async () => {
    const [row] = await withOneConnection({}, (guarded) =>
      guarded.run<{ jit: string }>(`select current_setting('jit') as jit`, []),
    );
    expect(row).toEqual({ jit: 'off' });
  });

  it('prepares nothing with DB_PREPARE=false', async () => {
    const texts = await withOneConnection({ DB_PREPARE: 'false' }, async (guarded) => {
      await findUsersByIds(guarded, [1, 2]);
      await findUsersByIds(guarded, [1, 2]);
      await findExportsByIds(createDb(guarded.client), [1, 2]);
      return preparedTexts(guarded);
    });
    expect(texts).toEqual([]);
  });
});
