/**
 * The response cache against the truth: a seeded sequence of mixed writes and reads by several
 * users and an admin over two instances sharing Redis, where every read made through the cache
 * is compared with the same read made at once on a third instance with the cache off. Any
 * difference is a stale (or wrong) answer. CACHE_DIFF_SEED replays a run, CACHE_DIFF_OPS sets
 * its length.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { random } from '../../src/random.js';
import { grantAdmin } from '../helpers/admin.js';
import type { Json } from '../helpers/app.js';
import { type Client, startApp, startTwo } from '../helpers/cache-app.js';
import { createTestDatabase } from '../helpers/database.js';

const SEED = Number(process.env.CACHE_DIFF_SEED ?? 20_261_201);
const OPERATIONS = Number(process.env.CACHE_DIFF_OPS ?? 10_000);
const USERS = 4;

let a: Client;
let b: Client;
let truth: Client;
let drop: () => Promise<void>;

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  [a, b] = await startTwo(db.url);
  truth = await startApp(db.url, { CACHE_ENABLED: 'false' });
});
afterAll(async () => {
  await a?.app.stop();
  await b?.app.stop();
  await truth?.app.stop();
  await drop?.();
});

const today = new Date();
const day = (back: number) =>
  new Date(today.getTime() - back * 86_400_000).toISOString().slice(0, 10);

const READS = {
  dashboard: `{ viewer { expenses(first: 20) { totalCount
    nodes { id amount description merchant date categorySource category { id name } } } } }`,
  categories: `{ viewer { categories(first: 50) { totalCount
    nodes { id name color keywords expenseCount totalSpent } } } }`,
  summary: `query($from: Date!, $to: Date!) { viewer {
    summary(from: $from, to: $to) { total count byCategory { category { name } total count } }
    dailyMetrics(from: $from, to: $to) { date total count } } }`,
  settings: '{ viewer { name currency monthlyBudget notificationWebhookUrl } }',
  expense: `query($id: ID!) { node(id: $id) { id ... on Expense {
    amount description date category { name keywords } } } }`,
  filtered: `query($c: ID!) { viewer { expenses(first: 10, filter: { categoryId: $c }) {
    totalCount nodes { id amount } } } }`,
};
const ADMIN_READS = {
  users: '{ users(first: 50) { totalCount nodes { id email } } }',
  user: `query($id: ID!) { node(id: $id) { ... on User {
    expenses(first: 5) { totalCount nodes { id amount } }
    categories(first: 5) { totalCount nodes { name } } } } }`,
};

const WRITES = {
  createExpense: `mutation($input: CreateExpenseInput!) { createExpense(input: $input) { expense { id } } }`,
  createExpenses: `mutation($input: CreateExpensesInput!) { createExpenses(input: $input) { expenses { id } } }`,
  updateExpense: `mutation($input: UpdateExpenseInput!) { updateExpense(input: $input) { expense { id } } }`,
  deleteExpense: `mutation($id: ID!) { deleteExpense(input: { id: $id }) { deletedId } }`,
  createCategory: `mutation($input: CreateCategoryInput!) { createCategory(input: $input) { category { id } } }`,
  updateCategory: `mutation($input: UpdateCategoryInput!) { updateCategory(input: $input) { category { id } } }`,
  deleteCategory: `mutation($id: ID!) { deleteCategory(input: { id: $id }) { deletedId } }`,
  updateSettings: `mutation($input: UpdateSettingsInput!) { updateSettings(input: $input) { user { id } } }`,
  logIn: `mutation($email: String!) { logIn(input: { email: $email, password: "password123" }) { token } }`,
  signUp: `mutation($email: String!) { signUp(input: { email: $email, name: "D", password: "password123" }) { user { id } } }`,
};

interface Person {
  readonly email: string;
  readonly token: string;
  readonly id: string;
  /** Ids this person has made (some since deleted: reads and writes of those are fine too). */
  readonly expenses: string[];
  readonly categories: string[];
}

it(`finds no stale answer in ${OPERATIONS} seeded operations over two cached instances`, async () => {
  const rng = random(SEED);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
  const amount = () => (1 + Math.floor(rng() * 9999) / 100).toFixed(2);
  let serial = 0;

  const signUp = async (email: string): Promise<Person> => {
    const res = await a.gql(
      `mutation($email: String!) { signUp(input: { email: $email, name: "D", password: "password123" }) { token user { id } } }`,
      { email },
    );
    const categories = await truth.gql(
      '{ viewer { categories(first: 50) { nodes { id } } } }',
      {},
      res.body.data.signUp.token,
    );
    return {
      email,
      token: res.body.data.signUp.token,
      id: res.body.data.signUp.user.id,
      expenses: [],
      categories: categories.body.data.viewer.categories.nodes.map((c: Json) => c.id as string),
    };
  };
  const people: Person[] = [];
  for (let i = 0; i < USERS; i++) people.push(await signUp(`diff${SEED}-${i}@example.com`));
  const adminEmail = `diff${SEED}-admin@example.com`;
  const admin = await signUp(adminEmail);
  await grantAdmin(a.app, adminEmail);

  const stale: string[] = [];
  let reads = 0;
  let hits = 0;

  async function read(who: Person, name: string, query: string, variables: Json) {
    const client = rng() < 0.5 ? a : b;
    const cached = await client.gql(query, variables, who.token);
    const fresh = await truth.gql(query, variables, who.token);
    reads++;
    if (cached.cache === 'HIT') hits++;
    if (JSON.stringify(cached.body) !== JSON.stringify(fresh.body) && stale.length < 5) {
      stale.push(
        `op ${serial} ${name} on ${client === a ? 'A' : 'B'} (${cached.cache}): ${JSON.stringify(cached.body).slice(0, 300)} != ${JSON.stringify(fresh.body).slice(0, 300)}`,
      );
    }
  }

  async function write(who: Person) {
    const client = rng() < 0.5 ? a : b;
    const kind = rng();
    const category = () => (rng() < 0.7 && who.categories.length ? pick(who.categories) : null);
    if (kind < 0.3) {
      const res = await client.gql(
        WRITES.createExpense,
        {
          input: {
            amount: amount(),
            description: `lunch ${serial}`,
            date: day(Math.floor(rng() * 5)),
            categoryId: category(),
          },
        },
        who.token,
      );
      const id = res.body.data?.createExpense?.expense?.id;
      if (id) who.expenses.push(id);
    } else if (kind < 0.38) {
      const res = await client.gql(
        WRITES.createExpenses,
        {
          input: {
            expenses: [0, 1].map((n) => ({
              amount: amount(),
              description: `bulk ${serial}.${n}`,
              date: day(Math.floor(rng() * 5)),
              categoryId: category(),
            })),
          },
        },
        who.token,
      );
      for (const e of res.body.data?.createExpenses?.expenses ?? []) who.expenses.push(e.id);
    } else if (kind < 0.55 && who.expenses.length) {
      const input: Json = { id: pick(who.expenses) };
      const field = rng();
      if (field < 0.3) input.amount = amount();
      else if (field < 0.5) input.date = day(Math.floor(rng() * 5));
      else if (field < 0.8) input.categoryId = category();
      else input.description = `renamed ${serial}`;
      await client.gql(WRITES.updateExpense, { input }, who.token);
    } else if (kind < 0.65 && who.expenses.length) {
      await client.gql(WRITES.deleteExpense, { id: pick(who.expenses) }, who.token);
    } else if (kind < 0.7) {
      const res = await client.gql(
        WRITES.createCategory,
        { input: { name: `Cat ${serial}`, keywords: [`kw${serial}`] } },
        who.token,
      );
      const id = res.body.data?.createCategory?.category?.id;
      if (id) who.categories.push(id);
    } else if (kind < 0.78 && who.categories.length) {
      const input: Json = { id: pick(who.categories) };
      if (rng() < 0.5) input.name = `Renamed ${serial}`;
      else input.keywords = [`word${serial}`];
      if (rng() < 0.3) input.color = '#12ab34';
      await client.gql(WRITES.updateCategory, { input }, who.token);
    } else if (kind < 0.81 && who.categories.length) {
      await client.gql(WRITES.deleteCategory, { id: pick(who.categories) }, who.token);
    } else if (kind < 0.88) {
      await client.gql(
        WRITES.updateSettings,
        { input: { monthlyBudget: rng() < 0.2 ? null : amount() } },
        who.token,
      );
    } else if (kind < 0.97) {
      await client.gql(WRITES.logIn, { email: who.email });
    } else {
      await client.gql(WRITES.signUp, { email: `diff${SEED}-new${serial}@example.com` });
    }
  }

  for (; serial < OPERATIONS; serial++) {
    const who = pick(people);
    if (rng() < 0.45) {
      await write(who);
      continue;
    }
    const kind = rng();
    if (kind < 0.1) {
      const user = pick(people);
      await read(admin, 'admin user', ADMIN_READS.user, { id: user.id });
    } else if (kind < 0.15) {
      await read(admin, 'admin users', ADMIN_READS.users, {});
    } else if (kind < 0.4) {
      await read(who, 'dashboard', READS.dashboard, {});
    } else if (kind < 0.55) {
      await read(who, 'categories', READS.categories, {});
    } else if (kind < 0.7) {
      await read(who, 'summary', READS.summary, { from: day(6), to: day(0) });
    } else if (kind < 0.78) {
      await read(who, 'settings', READS.settings, {});
    } else if (kind < 0.9 && who.expenses.length) {
      // Someone else's expense now and then: never theirs to see, cached or not.
      const owner = rng() < 0.8 ? who : pick(people);
      if (owner.expenses.length) {
        await read(who, 'expense', READS.expense, { id: pick(owner.expenses) });
      }
    } else if (who.categories.length) {
      await read(who, 'filtered', READS.filtered, { c: pick(who.categories) });
    }
  }

  expect(stale).toEqual([]);
  // The comparison means something only if the cache answered a good share of the reads.
  expect(reads).toBeGreaterThan(OPERATIONS / 3);
  expect(hits).toBeGreaterThan(reads / 10);
}, 600_000);
