import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';
import { CREATE_EXPENSES, EXPENSE_PAGE } from '../helpers/operations.js';

const t = useTestApp();
let token: string;
/** All expense ids in DATE_DESC order (ties broken by id, newest id first). */
let expected: string[];

interface Page {
  totalCount: number;
  edges: { cursor: string; node: { id: string; amount: string; date: string } }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

async function page(vars: Record<string, unknown>): Promise<Page> {
  const res = await t.gql(EXPENSE_PAGE, vars, token);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data?.viewer.expenses;
}

beforeAll(async () => {
  ({ token } = await t.signUp());
  // 25 expenses on only 3 distinct dates, so most order keys tie and the id must break them.
  const expenses = Array.from({ length: 25 }, (_, i) => ({
    amount: `${(i % 4) + 1}.00`,
    description: `e${i}`,
    date: `2026-05-0${(i % 3) + 1}`,
  }));
  const res = await t.gql(CREATE_EXPENSES, { input: { expenses } }, token);
  const created: { id: string; date: string }[] = res.data?.createExpenses.expenses;
  const dbId = (id: string) => Number(Buffer.from(id, 'base64').toString().split(':')[1]);
  expected = [...created]
    .sort((a, b) => (a.date === b.date ? dbId(b.id) - dbId(a.id) : a.date < b.date ? 1 : -1))
    .map((e) => e.id);
});

describe('forward pagination (first/after)', () => {
  it('walks the whole list in pages with correct flags', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const p: Page = await page({ first: 7, after });
      pages += 1;
      seen.push(...p.edges.map((e) => e.node.id));
      expect(p.totalCount).toBe(25);
      expect(p.pageInfo.hasPreviousPage).toBe(after !== null);
      expect(p.pageInfo.startCursor).toBe(p.edges[0]?.cursor);
      expect(p.pageInfo.endCursor).toBe(p.edges.at(-1)?.cursor);
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(pages).toBe(4);
    expect(seen).toEqual(expected);
  });

  it('defaults to 20 items', async () => {
    const p = await page({});
    expect(p.edges).toHaveLength(20);
    expect(p.pageInfo.hasNextPage).toBe(true);
  });
});

describe('backward pagination (last/before)', () => {
  it('walks the list from the end back to the start', async () => {
    const seen: string[] = [];
    let before: string | null = null;
    for (;;) {
      const p: Page = await page({ last: 6, before });
      seen.unshift(...p.edges.map((e) => e.node.id));
      expect(p.pageInfo.hasNextPage).toBe(before !== null);
      if (!p.pageInfo.hasPreviousPage) break;
      before = p.pageInfo.startCursor;
    }
    expect(seen).toEqual(expected);
  });

  it('meets forward pagination in the middle', async () => {
    const forward = await page({ first: 10 });
    const back = await page({ last: 3, before: forward.pageInfo.endCursor });
    expect(back.edges.map((e) => e.node.id)).toEqual(expected.slice(6, 9));
    expect(back.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
  });
});

describe('orderings', () => {
  it.each(['DATE_ASC', 'AMOUNT_DESC', 'AMOUNT_ASC', 'CREATED_DESC'])(
    '%s pages without gaps or repeats',
    async (orderBy) => {
      const all = await page({ first: 100, orderBy });
      const seen: string[] = [];
      let after: string | null = null;
      do {
        const p: Page = await page({ first: 4, after, orderBy });
        seen.push(...p.edges.map((e) => e.node.id));
        after = p.pageInfo.hasNextPage ? p.pageInfo.endCursor : null;
      } while (after);
      expect(seen).toEqual(all.edges.map((e) => e.node.id));
      expect(new Set(seen).size).toBe(25);
      if (orderBy === 'AMOUNT_ASC') {
        const amounts = all.edges.map((e) => Number(e.node.amount));
        expect(amounts).toEqual([...amounts].sort((a, b) => a - b));
      }
    },
  );

  it('filters and counts within the filter', async () => {
    const p = await page({
      first: 100,
      filter: { from: '2026-05-02', minAmount: '2.00', maxAmount: '3.00', search: 'E1' },
    });
    for (const edge of p.edges) {
      expect(edge.node.date >= '2026-05-02').toBe(true);
      expect(['2.00', '3.00']).toContain(edge.node.amount);
    }
    expect(p.totalCount).toBe(p.edges.length);
    expect(p.totalCount).toBeGreaterThan(0);
  });
});

describe('bad pagination input', () => {
  it.each([
    ['first over 100', { first: 101 }],
    ['a negative first', { first: -1 }],
    ['first and last together', { first: 2, last: 2 }],
    ['a garbage cursor', { first: 2, after: 'garbage' }],
    [
      'a forged cursor with SQL in it',
      {
        first: 2,
        after: Buffer.from(
          JSON.stringify(['DATE_DESC', "2026-01-01'; drop table expenses; --", 1]),
        ).toString('base64url'),
      },
    ],
    [
      'a cursor with an impossible date',
      {
        first: 2,
        after: Buffer.from(JSON.stringify(['DATE_DESC', '2026-02-30', 1])).toString('base64url'),
      },
    ],
    [
      'a cursor with a year Postgres has not',
      {
        first: 2,
        after: Buffer.from(JSON.stringify(['DATE_DESC', '0000-01-01', 1])).toString('base64url'),
      },
    ],
    [
      'a cursor with an impossible creation time',
      {
        first: 2,
        orderBy: 'CREATED_DESC',
        after: Buffer.from(JSON.stringify(['CREATED_DESC', '2026-02-30 25:00:00+00', 1])).toString(
          'base64url',
        ),
      },
    ],
    [
      'a cursor from another ordering',
      { first: 2, orderBy: 'AMOUNT_DESC', after: 'FROM_DATE_DESC' },
    ],
  ])('refuses %s with BAD_USER_INPUT', async (_name, vars) => {
    const args = { ...vars } as Record<string, unknown>;
    if (args.after === 'FROM_DATE_DESC') args.after = (await page({ first: 1 })).pageInfo.endCursor;
    const res = await t.gql(EXPENSE_PAGE, args, token);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('a cursor stays valid after its row is deleted', async () => {
    const first = await page({ first: 5 });
    const cursorRow = first.edges[4]?.node.id;
    await t.gql(
      'mutation($id: ID!) { deleteExpense(input: { id: $id }) { deletedId } }',
      { id: cursorRow },
      token,
    );
    const next = await page({ first: 5, after: first.pageInfo.endCursor });
    expect(next.edges.map((e) => e.node.id)).toEqual(expected.slice(5, 10));
  });
});
