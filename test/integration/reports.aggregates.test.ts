import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';
import { CREATE_EXPENSES, VIEWER_CATEGORIES } from '../helpers/operations.js';

const t = useTestApp();
let token: string;
let food: string;
let transport: string;

beforeAll(async () => {
  ({ token } = await t.signUp());
  const categories = (await t.gql(VIEWER_CATEGORIES, {}, token)).data?.viewer.categories.nodes;
  food = categories.find((c: { name: string }) => c.name === 'Food & Dining').id;
  transport = categories.find((c: { name: string }) => c.name === 'Transport').id;
  await t.gql(
    CREATE_EXPENSES,
    {
      input: {
        expenses: [
          { amount: '0.10', description: 'a', date: '2026-06-01', categoryId: food },
          { amount: '0.20', description: 'b', date: '2026-06-01', categoryId: food },
          { amount: '30.00', description: 'c', date: '2026-06-03', categoryId: transport },
          { amount: '5.55', description: 'd', date: '2026-06-03' },
          { amount: '99.99', description: 'outside', date: '2026-07-01', categoryId: food },
        ],
      },
    },
    token,
  );
  // Another user's spending on the same days must not leak into the figures.
  const other = await t.signUp();
  await t.gql(
    CREATE_EXPENSES,
    { input: { expenses: [{ amount: '1000.00', description: 'x', date: '2026-06-01' }] } },
    other.token,
  );
});

describe('summary', () => {
  it('totals exactly, largest category first, uncategorized as null', async () => {
    const res = await t.gql(
      `{ viewer { summary(from: "2026-06-01", to: "2026-06-30") { total count byCategory { category { name } total count } } } }`,
      {},
      token,
    );
    expect(res.data?.viewer.summary).toEqual({
      total: '35.85',
      count: 4,
      byCategory: [
        { category: { name: 'Transport' }, total: '30.00', count: 1 },
        { category: null, total: '5.55', count: 1 },
        { category: { name: 'Food & Dining' }, total: '0.30', count: 2 },
      ],
    });
  });

  it('is zero for an empty range and refuses from after to', async () => {
    const empty = await t.gql(
      `{ viewer { summary(from: "2020-01-01", to: "2020-01-31") { total count byCategory { total } } } }`,
      {},
      token,
    );
    expect(empty.data?.viewer.summary).toEqual({ total: '0.00', count: 0, byCategory: [] });
    const bad = await t.gql(
      `{ viewer { summary(from: "2026-07-01", to: "2026-06-01") { total } } }`,
      {},
      token,
    );
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('dailyMetrics', () => {
  it('gives one zero-filled row per day', async () => {
    const res = await t.gql(
      `{ viewer { dailyMetrics(from: "2026-05-31", to: "2026-06-03") { date total count } } }`,
      {},
      token,
    );
    expect(res.data?.viewer.dailyMetrics).toEqual([
      { date: '2026-05-31', total: '0.00', count: 0 },
      { date: '2026-06-01', total: '0.30', count: 2 },
      { date: '2026-06-02', total: '0.00', count: 0 },
      { date: '2026-06-03', total: '35.55', count: 2 },
    ]);
  });

  it('sums past what one amount may be (999,999,999,999.99) without failing', async () => {
    const rich = await t.signUp();
    const big = { amount: '999999999999.99', description: 'big', date: '2026-06-02' };
    const created = await t.gql(
      CREATE_EXPENSES,
      { input: { expenses: [big, big, { ...big, date: '2026-06-03' }] } },
      rich.token,
    );
    expect(created.errors).toBeUndefined();
    const res = await t.gql(
      `{ viewer {
        summary(from: "2026-06-01", to: "2026-06-30") { total count byCategory { total } }
        dailyMetrics(from: "2026-06-02", to: "2026-06-03") { date total count }
        categories(first: 20) { nodes { totalSpent } }
      } }`,
      {},
      rich.token,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.viewer.summary).toMatchObject({ total: '2999999999999.97', count: 3 });
    expect(res.data?.viewer.dailyMetrics).toEqual([
      { date: '2026-06-02', total: '1999999999999.98', count: 2 },
      { date: '2026-06-03', total: '999999999999.99', count: 1 },
    ]);
    // One amount is still bounded on the way in.
    const tooBig = await t.gql(
      CREATE_EXPENSES,
      { input: { expenses: [{ ...big, amount: '1000000000000.00' }] } },
      rich.token,
    );
    expect(tooBig.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses ranges over a year and impossible dates', async () => {
    const long = await t.gql(
      `{ viewer { dailyMetrics(from: "2020-01-01", to: "2026-01-01") { date } } }`,
      {},
      token,
    );
    expect(long.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const impossible = await t.gql(
      `{ viewer { dailyMetrics(from: "2026-02-29", to: "2026-03-01") { date } } }`,
      {},
      token,
    );
    expect(impossible.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
