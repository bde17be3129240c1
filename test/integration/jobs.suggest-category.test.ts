import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { enqueue } from '../../src/db/queries/job-queue.js';
import { createJobRuntime } from '../../src/jobs/runtime.js';
import { suggestCategoryTask } from '../../src/jobs/tasks/suggest_category.js';
import { useTestApp } from '../helpers/app.js';
import { withSql } from '../helpers/factories.js';
import { CREATE_CATEGORY, CREATE_EXPENSE, CREATE_EXPENSES } from '../helpers/operations.js';
import { eventually } from '../helpers/wait.js';

const t = useTestApp({ WORKER_ENABLED: 'true', WORKER_POLL_INTERVAL_MS: '100' });
const queued = useTestApp(); // no worker: jobs stay in the queue where tests can see them

const EXPENSE = `query($id: ID!) { node(id: $id) { ... on Expense { categorySource category { name } } } }`;

async function settled(token: string, id: string) {
  return eventually(async () => {
    const res = await t.gql(EXPENSE, { id }, token);
    return res.data?.node.categorySource === 'PENDING' ? undefined : res.data?.node;
  });
}

/**
 * Jobs of `task` queued: in graphile-worker, or still in the outbox its relay moves them from
 * (in one transaction, so one statement counts each job once, wherever it is at that moment).
 */
async function jobCount(url: string, task: string): Promise<number> {
  return withSql(url, async (db) =>
    Number(
      (
        await db`select
          (select count(*) from graphile_worker.jobs where task_identifier = ${task}) +
          (select count(*) from job_outbox where spec->>'identifier' = ${task}) as count`
      )[0]?.count,
    ),
  );
}

describe('suggest_category', () => {
  it('suggests by whole-word, accent-insensitive keywords and records SUGGESTED', async () => {
    const { token } = await t.signUp();
    await t.gql(
      CREATE_CATEGORY,
      { input: { name: 'Coffee shops', keywords: ['Café Rio'] } },
      token,
    );
    const cases: [string, string | null, string | null][] = [
      ['Lunch', 'CAFE RIO', 'Coffee shops'],
      ['Uber to airport', null, 'Transport'],
      ['Weekly groceries', 'Market St', 'Groceries'],
      ['Rental car', null, null], // "rent" is a keyword, but not a whole word here
    ];
    for (const [description, merchant, expected] of cases) {
      const created = await t.gql(
        CREATE_EXPENSE,
        { input: { amount: '5.00', description, merchant } },
        token,
      );
      expect(created.data?.createExpense.expense.categorySource).toBe('PENDING');
      const done = await settled(token, created.data?.createExpense.expense.id);
      expect(done).toEqual(
        expected
          ? { categorySource: 'SUGGESTED', category: { name: expected } }
          : { categorySource: 'UNCATEGORIZED', category: null },
      );
    }
  });

  it('never overrides a category chosen by hand meanwhile', async () => {
    const { token } = await queued.signUp();
    const created = await queued.gql(
      CREATE_EXPENSE,
      { input: { amount: '5.00', description: 'coffee' } },
      token,
    );
    const id = created.data?.createExpense.expense.id;
    await queued.gql(
      `mutation($id: ID!) { updateExpense(input: { id: $id, categoryId: null }) { expense { id } } }`,
      { id },
      token,
    );
    // The job is still queued in this app's database; run it through the real worker task.
    const runtime = createJobRuntime(queued.app.infra);
    const expenseId = Number(Buffer.from(id, 'base64').toString().split(':')[1]);
    const helpers = {
      job: { attempts: 1, max_attempts: 5, run_at: new Date() },
      logger: { error() {} },
    };
    await suggestCategoryTask.make(runtime)({ expenseId }, helpers as never);
    const after = await queued.gql(EXPENSE, { id }, token);
    expect(after.data?.node).toEqual({ categorySource: 'UNCATEGORIZED', category: null });
  });
});

describe('transactional enqueue', () => {
  it('a committed write has its job; a rejected one has none', async () => {
    const { token } = await queued.signUp();
    const before = await jobCount(queued.databaseUrl, 'suggest_category');
    await queued.gql(
      CREATE_EXPENSES,
      {
        input: {
          expenses: [
            { amount: '1.00', description: 'a' },
            { amount: '1.00', description: 'b' },
            { amount: '1.00', description: 'c', categoryId: null },
          ],
        },
      },
      token,
    );
    expect(await jobCount(queued.databaseUrl, 'suggest_category')).toBe(before + 3);
    await queued.gql(
      CREATE_EXPENSES,
      {
        input: {
          expenses: [
            { amount: '1.00', description: 'ok' },
            { amount: 'nope', description: 'bad' },
          ],
        },
      },
      token,
    );
    expect(await jobCount(queued.databaseUrl, 'suggest_category')).toBe(before + 3);
  });

  it('a transaction that rolls back after enqueueing leaves no job', async () => {
    const pool = postgres(queued.databaseUrl, { max: 1, onnotice: () => {} });
    const db = drizzle(pool);
    const before = await jobCount(queued.databaseUrl, 'prune_jobs');
    await expect(
      db.transaction(async (tx) => {
        await enqueue(tx, [{ task: 'prune_jobs', payload: {} }]);
        await tx.execute(sql`select 1/0`);
      }),
    ).rejects.toThrow();
    expect(await jobCount(queued.databaseUrl, 'prune_jobs')).toBe(before);
    await db.transaction((tx) => enqueue(tx, [{ task: 'prune_jobs', payload: {} }]));
    expect(await jobCount(queued.databaseUrl, 'prune_jobs')).toBe(before + 1);
    await pool.end();
  });
});
