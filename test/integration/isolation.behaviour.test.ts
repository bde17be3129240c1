import { beforeAll, describe, expect, it } from 'vitest';
import { grantAdmin } from '../helpers/admin.js';
import { useTestApp } from '../helpers/app.js';
import { CREATE_CATEGORY, CREATE_EXPENSE } from '../helpers/operations.js';

const t = useTestApp();
const alice = { token: '', id: '', categoryId: '', expenseId: '' };
const bob = { token: '', id: '' };
let adminToken: string;

beforeAll(async () => {
  Object.assign(alice, await t.signUp({ email: 'alice@example.com' }));
  Object.assign(bob, await t.signUp({ email: 'bob@example.com' }));
  ({ token: adminToken } = await t.signUp({ email: 'admin@example.com' }));
  await grantAdmin(t.app, 'admin@example.com');
  alice.categoryId = (
    await t.gql(CREATE_CATEGORY, { input: { name: 'Secret' } }, alice.token)
  ).data?.createCategory.category.id;
  alice.expenseId = (
    await t.gql(
      CREATE_EXPENSE,
      { input: { amount: '42.00', description: 'Private', categoryId: alice.categoryId } },
      alice.token,
    )
  ).data?.createExpense.expense.id;
});

describe("one user never sees or changes another user's rows", () => {
  it('node and nodes answer null for every entity type of another user', async () => {
    for (const id of [alice.id, alice.categoryId, alice.expenseId]) {
      const res = await t.gql('query($id: ID!) { node(id: $id) { id } }', { id }, bob.token);
      expect(res.errors).toBeUndefined();
      expect(res.data?.node).toBeNull();
    }
    const many = await t.gql(
      'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
      { ids: [alice.id, alice.categoryId, alice.expenseId, bob.id] },
      bob.token,
    );
    expect(many.data?.nodes).toEqual([null, null, null, { id: bob.id }]);
    const anonymous = await t.gql('query($id: ID!) { node(id: $id) { id } }', {
      id: alice.expenseId,
    });
    expect(anonymous.data?.node).toBeNull();
  });

  it("mutations on another user's rows answer NOT_FOUND and change nothing", async () => {
    const attempts = [
      [
        `mutation($id: ID!) { updateExpense(input: { id: $id, amount: "1.00" }) { expense { id } } }`,
        alice.expenseId,
      ],
      [`mutation($id: ID!) { deleteExpense(input: { id: $id }) { deletedId } }`, alice.expenseId],
      [
        `mutation($id: ID!) { updateCategory(input: { id: $id, name: "Mine" }) { category { id } } }`,
        alice.categoryId,
      ],
      [`mutation($id: ID!) { deleteCategory(input: { id: $id }) { deletedId } }`, alice.categoryId],
    ] as const;
    for (const [mutation, id] of attempts) {
      const res = await t.gql(mutation, { id }, bob.token);
      expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    const mine = await t.gql(
      'query($id: ID!) { node(id: $id) { ... on Expense { amount category { name } } } }',
      { id: alice.expenseId },
      alice.token,
    );
    expect(mine.data?.node).toEqual({ amount: '42.00', category: { name: 'Secret' } });
  });

  it("filters by another user's category find nothing, and lists hold only own rows", async () => {
    const res = await t.gql(
      'query($c: ID!) { viewer { expenses(filter: { categoryId: $c }) { totalCount } categories { nodes { name } } } }',
      { c: alice.categoryId },
      bob.token,
    );
    expect(res.data?.viewer.expenses.totalCount).toBe(0);
    expect(res.data?.viewer.categories.nodes.map((c: { name: string }) => c.name)).not.toContain(
      'Secret',
    );
  });

  it("an admin reads everyone's data through node and users, but writes only their own", async () => {
    const res = await t.gql(
      'query($id: ID!) { node(id: $id) { ... on Expense { amount user { email } } } }',
      { id: alice.expenseId },
      adminToken,
    );
    expect(res.data?.node).toEqual({ amount: '42.00', user: { email: 'alice@example.com' } });
    const users = await t.gql(
      '{ users(first: 10) { nodes { email expenses { totalCount } } } }',
      {},
      adminToken,
    );
    expect(users.data?.users.nodes).toContainEqual({
      email: 'alice@example.com',
      expenses: { totalCount: 1 },
    });
    const write = await t.gql(
      `mutation($id: ID!) { deleteExpense(input: { id: $id }) { deletedId } }`,
      { id: alice.expenseId },
      adminToken,
    );
    expect(write.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
