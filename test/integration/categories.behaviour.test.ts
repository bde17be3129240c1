import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';
import { CREATE_CATEGORY, CREATE_EXPENSES } from '../helpers/operations.js';

const t = useTestApp();
let token: string;

const UPDATE = `mutation($input: UpdateCategoryInput!) { updateCategory(input: $input) { category { id name color keywords } } }`;
const DELETE = `mutation($id: ID!) { deleteCategory(input: { id: $id }) { deletedId } }`;
const DETAIL = `query($id: ID!) { node(id: $id) { ... on Category {
  name expenseCount totalSpent all: totalSpent(from: "2000-01-01", to: "2100-01-01") march: totalSpent(from: "2026-03-01", to: "2026-03-31")
  user { id } expenses(first: 10) { totalCount nodes { amount date category { name } } }
} } }`;

beforeAll(async () => {
  ({ token } = await t.signUp());
});

describe('createCategory', () => {
  it('creates a category with normalized keywords', async () => {
    const res = await t.gql(
      CREATE_CATEGORY,
      { input: { name: ' Pets ', color: '#AABBCC', keywords: ['Vet', ' vet ', 'Pet Food'] } },
      token,
    );
    expect(res.data?.createCategory.category).toMatchObject({
      name: 'Pets',
      color: '#aabbcc',
      keywords: ['pet food', 'vet'],
    });
  });

  it.each([
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(101) }, 'name'],
    [{ name: 'Colorful', color: 'red' }, 'color'],
    [{ name: 'Keywords', keywords: [''] }, 'keywords[0]'],
    [{ name: 'food & dining' }, 'name'],
  ])('refuses %j (BAD_USER_INPUT on %s)', async (input, field) => {
    const res = await t.gql(CREATE_CATEGORY, { input }, token);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });
});

describe('a category with expenses', () => {
  let categoryId: string;
  beforeAll(async () => {
    const res = await t.gql(
      CREATE_CATEGORY,
      { input: { name: 'Travel', keywords: ['hotel'] } },
      token,
    );
    categoryId = res.data?.createCategory.category.id;
    await t.gql(
      CREATE_EXPENSES,
      {
        input: {
          expenses: [
            { amount: '100.10', description: 'Hotel', date: '2026-03-02', categoryId },
            { amount: '0.20', description: 'Tip', date: '2026-03-05', categoryId },
            { amount: '50.00', description: 'Train', date: '2026-04-01', categoryId },
            { amount: '7.00', description: 'Other', date: '2026-03-03' },
          ],
        },
      },
      token,
    );
  });

  it('counts and sums its expenses exactly, with and without a range', async () => {
    const res = await t.gql(DETAIL, { id: categoryId }, token);
    expect(res.data?.node).toMatchObject({
      name: 'Travel',
      expenseCount: 3,
      totalSpent: '150.30',
      all: '150.30',
      march: '100.30',
      expenses: { totalCount: 3 },
    });
    expect(res.data?.node.expenses.nodes.map((e: { date: string }) => e.date)).toEqual([
      '2026-04-01',
      '2026-03-05',
      '2026-03-02',
    ]);
  });

  it('renames, recolors and replaces keywords', async () => {
    const res = await t.gql(
      UPDATE,
      { input: { id: categoryId, name: 'Trips', color: null, keywords: ['flight', 'hotel'] } },
      token,
    );
    expect(res.data?.updateCategory.category).toMatchObject({
      name: 'Trips',
      color: null,
      keywords: ['flight', 'hotel'],
    });
    const clash = await t.gql(UPDATE, { input: { id: categoryId, name: 'GROCERIES' } }, token);
    expect(clash.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const same = await t.gql(UPDATE, { input: { id: categoryId, name: 'trips' } }, token);
    expect(same.data?.updateCategory.category.name).toBe('trips');
  });

  it('deleting it leaves its expenses, uncategorized', async () => {
    const res = await t.gql(DELETE, { id: categoryId }, token);
    expect(res.data?.deleteCategory.deletedId).toBe(categoryId);
    const left = await t.gql(
      `{ viewer { expenses(first: 10, filter: { from: "2026-03-01", to: "2026-04-30" }) { totalCount nodes { description category { id } categorySource } } } }`,
      {},
      token,
    );
    expect(left.data?.viewer.expenses.totalCount).toBe(4);
    const travel = left.data?.viewer.expenses.nodes.filter((n: { description: string }) =>
      ['Hotel', 'Tip', 'Train'].includes(n.description),
    );
    expect(travel).toHaveLength(3);
    for (const node of travel) {
      expect(node).toMatchObject({ category: null, categorySource: 'UNCATEGORIZED' });
    }
    const again = await t.gql(DELETE, { id: categoryId }, token);
    expect(again.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
