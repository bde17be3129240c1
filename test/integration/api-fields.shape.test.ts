import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';
import { CREATE_CATEGORY, CREATE_EXPENSE } from '../helpers/operations.js';

const t = useTestApp();
let token: string;
let userId: string;
let categoryId: string;
let expenseId: string;

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

beforeAll(async () => {
  ({ token, id: userId } = await t.signUp({
    email: 'fields@example.com',
    name: 'Field Tester',
    currency: 'GBP',
  }));
  categoryId = (
    await t.gql(
      CREATE_CATEGORY,
      { input: { name: 'Books', color: '#112233', keywords: ['novel'] } },
      token,
    )
  ).data?.createCategory.category.id;
  expenseId = (
    await t.gql(
      CREATE_EXPENSE,
      {
        input: {
          amount: '9.99',
          description: 'A novel',
          merchant: 'Bookshop',
          date: '2026-08-08',
          categoryId,
        },
      },
      token,
    )
  ).data?.createExpense.expense.id;
  await new Promise((resolve) => setTimeout(resolve, 5));
  await t.gql(
    `mutation($id: ID!) { updateExpense(input: { id: $id, description: "A good novel" }) { expense { id } } }`,
    { id: expenseId },
    token,
  );
});

describe('every field of every node type', () => {
  it('User, Category and Expense answer each field with the right shape', async () => {
    const res = await t.gql(
      `query($e: ID!) {
      viewer {
        __typename id email name currency createdAt
        categories(first: 100) { totalCount edges { cursor node { id } } nodes { id name color keywords user { id } expenseCount totalSpent } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
        expenses(first: 5, orderBy: CREATED_DESC) { totalCount edges { cursor node { id } } nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
        summary(from: "2026-08-01", to: "2026-08-31") { total count byCategory { category { id } total count } }
        dailyMetrics(from: "2026-08-08", to: "2026-08-08") { date total count }
      }
      node(id: $e) { __typename id ... on Expense { amount currency description merchant date createdAt updatedAt category { id name } categorySource user { id email } } }
    }`,
      { e: expenseId },
      token,
    );
    expect(res.errors).toBeUndefined();
    const viewer = res.data?.viewer;
    expect(viewer).toMatchObject({
      __typename: 'User',
      id: userId,
      email: 'fields@example.com',
      name: 'Field Tester',
      currency: 'GBP',
    });
    expect(viewer.createdAt).toMatch(ISO);
    const books = viewer.categories.nodes.find((c: { id: string }) => c.id === categoryId);
    expect(books).toEqual({
      id: categoryId,
      name: 'Books',
      color: '#112233',
      keywords: ['novel'],
      user: { id: userId },
      expenseCount: 1,
      totalSpent: '9.99',
    });
    expect(viewer.categories.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(
      viewer.categories.nodes.map((n: { id: string }) => n.id),
    );
    expect(viewer.categories.pageInfo).toMatchObject({
      hasNextPage: false,
      hasPreviousPage: false,
    });
    expect(viewer.expenses).toMatchObject({
      totalCount: 1,
      nodes: [{ id: expenseId }],
      pageInfo: { hasNextPage: false, hasPreviousPage: false },
    });
    expect(viewer.expenses.edges[0].cursor).toBe(viewer.expenses.pageInfo.startCursor);
    expect(viewer.summary).toEqual({
      total: '9.99',
      count: 1,
      byCategory: [{ category: { id: categoryId }, total: '9.99', count: 1 }],
    });
    expect(viewer.dailyMetrics).toEqual([{ date: '2026-08-08', total: '9.99', count: 1 }]);

    const expense = res.data?.node;
    expect(expense).toMatchObject({
      __typename: 'Expense',
      id: expenseId,
      amount: '9.99',
      currency: 'GBP',
      description: 'A good novel',
      merchant: 'Bookshop',
      date: '2026-08-08',
      category: { id: categoryId, name: 'Books' },
      categorySource: 'MANUAL',
      user: { id: userId, email: 'fields@example.com' },
    });
    expect(expense.createdAt).toMatch(ISO);
    expect(expense.updatedAt).toMatch(ISO);
    expect(Date.parse(expense.updatedAt)).toBeGreaterThan(Date.parse(expense.createdAt));
  });

  it('node resolves each type by its global ID, and nodes keeps the order asked for', async () => {
    const res = await t.gql(
      `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`,
      { ids: [expenseId, userId, categoryId, expenseId] },
      token,
    );
    expect(res.data?.nodes).toEqual([
      { __typename: 'Expense', id: expenseId },
      { __typename: 'User', id: userId },
      { __typename: 'Category', id: categoryId },
      { __typename: 'Expense', id: expenseId },
    ]);
  });

  it('the same node asked for twice in one operation resolves both times (found by fuzzing)', async () => {
    const res = await t.gql(
      `query($e: ID!, $u: ID!, $c: ID!) {
        a: node(id: $e) { __typename id } b: node(id: $e) { __typename id }
        c: nodes(ids: [$u, $c]) { __typename id } d: nodes(ids: [$c, $u]) { __typename id }
      }`,
      { e: expenseId, u: userId, c: categoryId },
      token,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.b).toEqual({ __typename: 'Expense', id: expenseId });
    expect(res.data?.d).toEqual([
      { __typename: 'Category', id: categoryId },
      { __typename: 'User', id: userId },
    ]);
  });

  it('an ID that decodes to no row is null, not an error', async () => {
    const missing = Buffer.from('Expense:999999999').toString('base64');
    const res = await t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: missing }, token);
    expect(res).toMatchObject({ data: { node: null } });
    expect(res.errors).toBeUndefined();
  });
});
