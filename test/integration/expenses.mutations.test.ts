import postgres from 'postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';
import { withSql } from '../helpers/factories.js';
import {
  CREATE_CATEGORY,
  CREATE_EXPENSE,
  CREATE_EXPENSES,
  VIEWER_CATEGORIES,
} from '../helpers/operations.js';
import { until } from '../helpers/wait.js';

const t = useTestApp();
let token: string;
let userId: string;
let foodId: string;

async function expenseCount(): Promise<number> {
  return withSql(t.databaseUrl, async (sql) =>
    Number((await sql`select count(*) from expenses`)[0]?.count),
  );
}

beforeAll(async () => {
  ({ token, id: userId } = await t.signUp({ currency: 'EUR' }));
  const categories = await t.gql(VIEWER_CATEGORIES, {}, token);
  foodId = categories.data?.viewer.categories.nodes.find(
    (c: { name: string }) => c.name === 'Food & Dining',
  ).id;
});

describe('createExpense', () => {
  it('creates an expense with every field and exact money', async () => {
    const res = await t.gql(
      CREATE_EXPENSE,
      {
        input: {
          amount: '12.5',
          description: ' Lunch ',
          merchant: 'Cafe Rio',
          date: '2026-03-01',
          categoryId: foodId,
          currency: 'usd',
        },
      },
      token,
    );
    expect(res.errors).toBeUndefined();
    const expense = res.data?.createExpense.expense;
    expect(expense).toMatchObject({
      amount: '12.50',
      currency: 'USD',
      description: 'Lunch',
      merchant: 'Cafe Rio',
      date: '2026-03-01',
      categorySource: 'MANUAL',
      category: { id: foodId, name: 'Food & Dining' },
      user: { id: userId },
    });
    expect(expense.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Buffer.from(expense.id, 'base64').toString()).toMatch(/^Expense:\d+$/);
  });

  it('keeps the largest amounts exact', async () => {
    const res = await t.gql(
      CREATE_EXPENSE,
      { input: { amount: '999999999999.99', description: 'Big' } },
      token,
    );
    expect(res.data?.createExpense.expense.amount).toBe('999999999999.99');
  });

  it("defaults currency to the user's, date to today, and is PENDING without a category", async () => {
    const res = await t.gql(
      CREATE_EXPENSE,
      { input: { amount: '3', description: 'Mystery' } },
      token,
    );
    expect(res.data?.createExpense.expense).toMatchObject({
      amount: '3.00',
      currency: 'EUR',
      merchant: null,
      categorySource: 'PENDING',
      category: null,
      date: new Date().toISOString().slice(0, 10),
    });
  });

  it.each([
    ['amount "abc"', { amount: 'abc' }],
    ['amount "1.005"', { amount: '1.005' }],
    ['a float amount 0.1 + 0.2', { amount: 0.1 + 0.2 }],
    ['a negative amount', { amount: '-5.00' }],
    ['a zero amount', { amount: '0.00' }],
    ['an impossible date', { date: '2026-02-30' }],
    ['a malformed date', { date: '03/01/2026' }],
    ['an empty description', { description: '  ' }],
    ['an over-long description', { description: 'x'.repeat(501) }],
    ['an over-long merchant', { merchant: 'x'.repeat(201) }],
    ['an unknown currency', { currency: 'ABC' }],
    ['a garbage categoryId', { categoryId: 'garbage' }],
    ['an Expense ID as categoryId', { categoryId: Buffer.from('Expense:1').toString('base64') }],
  ])('refuses %s with BAD_USER_INPUT and writes nothing', async (_name, override) => {
    const before = await expenseCount();
    const res = await t.gql(
      CREATE_EXPENSE,
      { input: { amount: '1.00', description: 'ok', ...override } },
      token,
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).not.toMatch(/select|insert|at .*\.ts/i);
    expect(await expenseCount()).toBe(before);
  });

  it("answers NOT_FOUND for another user's category", async () => {
    const other = await t.signUp();
    const theirs = await t.gql(CREATE_CATEGORY, { input: { name: 'Private' } }, other.token);
    const res = await t.gql(
      CREATE_EXPENSE,
      {
        input: {
          amount: '1.00',
          description: 'x',
          categoryId: theirs.data?.createCategory.category.id,
        },
      },
      token,
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('refuses a token whose user was deleted since, writing nothing', async () => {
    // Used before the deletion: its user's role may still be remembered (then the write finds
    // no user: NOT_FOUND) or be read again (a token less than a second old is: UNAUTHENTICATED).
    const known = await t.signUp();
    expect((await t.gql('{ viewer { id } }', {}, known.token)).errors).toBeUndefined();
    // Never used before: the user is read, and is gone.
    const unknown = await t.signUp();
    for (const [gone, codes] of [
      [known, ['NOT_FOUND', 'UNAUTHENTICATED']],
      [unknown, ['UNAUTHENTICATED']],
    ] as const) {
      const dbId = Number(Buffer.from(gone.id, 'base64').toString().split(':')[1]);
      await withSql(t.databaseUrl, (sql) => sql`delete from users where id = ${dbId}`);
      const before = await expenseCount();
      const res = await t.gql(
        CREATE_EXPENSE,
        { input: { amount: '1.00', description: 'ghost' } },
        gone.token,
      );
      expect(codes).toContain(res.errors?.[0]?.extensions?.code);
      expect(await expenseCount()).toBe(before);
      const [marks] = await withSql(
        t.databaseUrl,
        (sql) => sql`select count(*)::int as n from daily_metrics_dirty where user_id = ${dbId}`,
      );
      expect(marks).toEqual({ n: 0 });
    }
  });

  it('needs a logged-in user', async () => {
    const res = await t.gql(CREATE_EXPENSE, { input: { amount: '1.00', description: 'x' } });
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('createExpenses (bulk)', () => {
  it('inserts 1000 rows with one INSERT in one transaction', async () => {
    const expenses = Array.from({ length: 1000 }, (_, i) => ({
      amount: `${(i % 50) + 1}.${String(i % 100).padStart(2, '0')}`,
      description: `bulk ${i}`,
      date: `2025-01-${String((i % 28) + 1).padStart(2, '0')}`,
      ...(i % 2 ? { categoryId: foodId } : {}),
    }));
    const before = await expenseCount();
    const res = await t.gqlCounted(CREATE_EXPENSES, { input: { expenses } }, token);
    expect(res.errors).toBeUndefined();
    expect(res.data?.createExpenses.count).toBe(1000);
    expect(res.data?.createExpenses.expenses[999]).toMatchObject({
      description: 'bulk 999',
      amount: '50.99',
    });
    expect(await expenseCount()).toBe(before + 1000);
    // One write (rows, jobs, dirty days), and the category ownership check unless the entity
    // cache already holds the category.
    expect(res.sql).toBeGreaterThanOrEqual(1);
    expect(res.sql).toBeLessThanOrEqual(2);
    // Every row comes back in input order with its own values.
    const back = res.data?.createExpenses.expenses as { description: string; amount: string }[];
    expect(back.map((e) => e.description)).toEqual(expenses.map((e) => e.description));
    expect(back.map((e) => e.amount)).toEqual(expenses.map((e) => e.amount));
  });

  it('keeps awkward text exactly: quotes, backslashes, emoji, braces and empty merchants', async () => {
    const awkward = [
      { amount: '1.00', description: 'He said "hi" \\ then left', merchant: "O'Brien's {café}" },
      { amount: '2.00', description: '💸 {"json": [1, 2]} ,NULL,', merchant: null },
      { amount: '3.00', description: 'NULL' },
    ];
    const res = await t.gql(
      `mutation($input: CreateExpensesInput!) { createExpenses(input: $input) { expenses { description merchant amount date } } }`,
      { input: { expenses: awkward } },
      token,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.createExpenses.expenses).toEqual(
      awkward.map((e) => ({
        description: e.description,
        merchant: e.merchant ?? null,
        amount: e.amount,
        date: new Date().toISOString().slice(0, 10),
      })),
    );
  });

  it('rejects the whole batch when one row is bad, naming the row', async () => {
    const before = await expenseCount();
    const expenses = [
      { amount: '1.00', description: 'fine' },
      { amount: '2.00', description: 'fine too' },
      { amount: '1.234', description: 'bad amount' },
    ];
    const res = await t.gql(CREATE_EXPENSES, { input: { expenses } }, token);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const again = await t.gql(
      CREATE_EXPENSES,
      {
        input: {
          expenses: [
            { amount: '1.00', description: 'x' },
            { amount: '1.00', description: '' },
          ],
        },
      },
      token,
    );
    expect(again.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'expenses[1].description',
    });
    expect(await expenseCount()).toBe(before);
  });

  it('refuses more than 1000 rows and an empty list', async () => {
    const many = Array.from({ length: 1001 }, () => ({ amount: '1.00', description: 'x' }));
    const tooMany = await t.gql(CREATE_EXPENSES, { input: { expenses: many } }, token);
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const empty = await t.gql(CREATE_EXPENSES, { input: { expenses: [] } }, token);
    expect(empty.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('updateExpense and deleteExpense', () => {
  const UPDATE = `mutation($input: UpdateExpenseInput!) { updateExpense(input: $input) { expense { id amount description merchant date categorySource category { name } updatedAt } } }`;
  const DELETE = `mutation($id: ID!) { deleteExpense(input: { id: $id }) { deletedId } }`;

  it('two concurrent date changes: each marks the day the expense really left', async () => {
    const created = await t.gql(
      CREATE_EXPENSE,
      { input: { amount: '4.00', description: 'Moved twice', date: '2026-02-01' } },
      token,
    );
    const id = created.data?.createExpense.expense.id as string;
    const rowId = Number(Buffer.from(id, 'base64').toString().split(':')[1]);
    // One connection holds the row, the other watches the waits.
    const sql = postgres(t.databaseUrl, { max: 2, onnotice: () => {} });
    try {
      await sql`delete from daily_metrics_dirty where user_id = (select user_id from expenses where id = ${rowId})`;
      // Hold the row so both updates reach the database before either may change it.
      const holder = await sql.reserve();
      await holder`begin`;
      await holder`select 1 from expenses where id = ${rowId} for update`;
      const updates = ['2026-02-02', '2026-02-03'].map((date) =>
        t.gql(UPDATE, { input: { id, date } }, token),
      );
      await until(async () => {
        const [row] = await sql<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`;
        return (row?.n ?? 0) >= 2;
      });
      await holder`commit`;
      holder.release();
      for (const result of await Promise.all(updates)) expect(result.errors).toBeUndefined();
      const marks = await sql<{ day: string; n: number }[]>`
        select day::text, count(*)::int as n from daily_metrics_dirty
        where user_id = (select user_id from expenses where id = ${rowId}) group by day`;
      const count = (day: string) => marks.find((m) => m.day === day)?.n ?? 0;
      // The first update moved it off 02-01; the second off the first one's day, not 02-01 again.
      expect(count('2026-02-01')).toBe(1);
      expect(count('2026-02-02') + count('2026-02-03')).toBe(3);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it('changes only the given fields', async () => {
    const created = await t.gql(
      CREATE_EXPENSE,
      { input: { amount: '10.00', description: 'Taxi', merchant: 'Cab Co', date: '2026-01-02' } },
      token,
    );
    const id = created.data?.createExpense.expense.id;
    const res = await t.gql(UPDATE, { input: { id, amount: '11.1', categoryId: foodId } }, token);
    expect(res.data?.updateExpense.expense).toMatchObject({
      id,
      amount: '11.10',
      description: 'Taxi',
      merchant: 'Cab Co',
      date: '2026-01-02',
      categorySource: 'MANUAL',
      category: { name: 'Food & Dining' },
    });
    const cleared = await t.gql(UPDATE, { input: { id, merchant: null, categoryId: null } }, token);
    expect(cleared.data?.updateExpense.expense).toMatchObject({
      merchant: null,
      category: null,
      categorySource: 'UNCATEGORIZED',
    });
  });

  it('validates before writing', async () => {
    const created = await t.gql(
      CREATE_EXPENSE,
      { input: { amount: '10.00', description: 'Keep' } },
      token,
    );
    const id = created.data?.createExpense.expense.id;
    for (const input of [
      { id, amount: '-1' },
      { id, description: '' },
      { id, date: '2026-13-01' },
      { id: 'nope', amount: '1' },
    ]) {
      const res = await t.gql(UPDATE, { input }, token);
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    const node = await t.gql(
      'query($id: ID!) { node(id: $id) { ... on Expense { amount description } } }',
      { id },
      token,
    );
    expect(node.data?.node).toEqual({ amount: '10.00', description: 'Keep' });
  });

  it('deletes and then answers NOT_FOUND', async () => {
    const created = await t.gql(
      CREATE_EXPENSE,
      { input: { amount: '1.00', description: 'Gone soon' } },
      token,
    );
    const id = created.data?.createExpense.expense.id;
    const res = await t.gql(DELETE, { id }, token);
    expect(res.data?.deleteExpense.deletedId).toBe(id);
    const again = await t.gql(DELETE, { id }, token);
    expect(again.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const node = await t.gql('query($id: ID!) { node(id: $id) { id } }', { id }, token);
    expect(node.data?.node).toBeNull();
  });
});
