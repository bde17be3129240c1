import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';
import { withSql } from '../helpers/factories.js';
import { CREATE_EXPENSES } from '../helpers/operations.js';
import { eventually } from '../helpers/wait.js';
import { type Receiver, startReceiver } from '../helpers/webhook-receiver.js';

const t = useTestApp({
  WORKER_ENABLED: 'true',
  WORKER_POLL_INTERVAL_MS: '100',
  METRICS_DEBOUNCE_MS: '0',
  // The test's receiver listens on loopback, which webhooks may not reach otherwise.
  WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
});
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

const SETTINGS = `mutation($input: UpdateSettingsInput!) { updateSettings(input: $input) { user { notificationWebhookUrl notificationWebhookSecret monthlyBudget } } }`;
const SUMMARY = `{ viewer { summary(from: "2026-01-01", to: "2026-01-31") { total count byCategory { category { name } total count } } dailyMetrics(from: "2026-01-10", to: "2026-01-11") { date total count } } }`;

async function dirtyDays(url: string): Promise<number> {
  return withSql(url, async (sql) =>
    Number((await sql`select count(*) from daily_metrics_dirty`)[0]?.count),
  );
}

describe('daily_metrics rollup', () => {
  it('rolls up closed days in the background while reads stay exact throughout', async () => {
    const { token } = await t.signUp();
    await t.gql(
      CREATE_EXPENSES,
      {
        input: {
          expenses: [
            { amount: '10.00', description: 'Rent', date: '2026-01-10' },
            { amount: '2.50', description: 'lunch', date: '2026-01-10' },
            { amount: '0.25', description: 'misc', date: '2026-01-11' },
          ],
        },
      },
      token,
    );
    const before = await t.gql(SUMMARY, {}, token); // dirty days: computed live
    await eventually(async () => ((await dirtyDays(t.databaseUrl)) === 0 ? true : undefined));
    const rolled = await withSql(t.databaseUrl, async (sql) =>
      (
        await sql`select day::text, category_id::int, total::text, count from daily_metrics order by day, category_id`
      ).map((r) => ({ ...r })),
    );
    expect(rolled.length).toBeGreaterThanOrEqual(2);
    const after = await t.gql(SUMMARY, {}, token);
    expect(after.data?.viewer.summary.total).toBe('12.75');
    expect(after.data?.viewer.dailyMetrics).toEqual([
      { date: '2026-01-10', total: '12.50', count: 2 },
      { date: '2026-01-11', total: '0.25', count: 1 },
    ]);
    expect(after.data?.viewer.summary.total).toBe(before.data?.viewer.summary.total);
    // Suggestions moved the amounts to their categories in the rollup too.
    await eventually(async () => {
      const res = await t.gql(SUMMARY, {}, token);
      const names = res.data?.viewer.summary.byCategory.map(
        (c: { category: { name: string } | null }) => c.category?.name ?? null,
      );
      return (await dirtyDays(t.databaseUrl)) === 0 && names.includes('Housing') ? res : undefined;
    });
    const categorized = (await t.gql(SUMMARY, {}, token)).data?.viewer.summary.byCategory;
    expect(categorized).toEqual([
      { category: { name: 'Housing' }, total: '10.00', count: 1 },
      { category: { name: 'Food & Dining' }, total: '2.50', count: 1 },
      { category: null, total: '0.25', count: 1 },
    ]);
    // An edit to a closed, rolled-up day is visible at once (the day is dirty until re-rolled).
    const id = (
      await t.gql(
        `{ viewer { expenses(first: 1, filter: { search: "misc" }) { nodes { id } } } }`,
        {},
        token,
      )
    ).data?.viewer.expenses.nodes[0].id;
    await t.gql(
      `mutation($id: ID!) { updateExpense(input: { id: $id, amount: "1.25", date: "2026-01-10" }) { expense { id } } }`,
      { id },
      token,
    );
    const edited = await t.gql(SUMMARY, {}, token);
    expect(edited.data?.viewer.summary.total).toBe('13.75');
    expect(edited.data?.viewer.dailyMetrics).toEqual([
      { date: '2026-01-10', total: '13.75', count: 3 },
      { date: '2026-01-11', total: '0.00', count: 0 },
    ]);
  });
});

describe("totalCount of all of a user's expenses", () => {
  // A fresh variable each time, so the response cache never answers (the rollup is tampered with
  // below, which no write announces).
  const COUNT = 'query($fresh: Int) { viewer { expenses(first: $fresh) { totalCount } } }';
  let fresh = 0;
  const truth = (userId: string) =>
    withSql(t.databaseUrl, async (sql) =>
      Number(
        (
          await sql`select count(*) from expenses
            where user_id = ${Number(Buffer.from(userId, 'base64').toString().split(':')[1])}`
        )[0]?.count,
      ),
    );

  it('reads rolled-up days (today and later too) from the rollup, exact through writes, deletes and rollups', async () => {
    const { token, id: userId } = await t.signUp();
    const today = new Date().toISOString().slice(0, 10);
    const expenses = [
      ...['2026-01-03', '2026-01-03', '2026-01-04', '2025-12-31'].map((date) => ({
        amount: '1.00',
        description: 'Rent',
        date,
      })),
      { amount: '2.00', description: 'Rent', date: today },
      { amount: '3.00', description: 'Rent', date: '2099-01-01' },
    ];
    await t.gql(CREATE_EXPENSES, { input: { expenses } }, token);
    const count = async () =>
      (await t.gql(COUNT, { fresh: ++fresh }, token)).data?.viewer.expenses.totalCount;
    expect(await count()).toBe(6);
    await eventually(async () => ((await dirtyDays(t.databaseUrl)) === 0 ? true : undefined));
    expect(await count()).toBe(await truth(userId));
    // The closed days come from daily_metrics: a (deliberately) wrong rollup row shows through.
    await withSql(
      t.databaseUrl,
      (sql) => sql`update daily_metrics set count = count + 100 where day = '2026-01-03'`,
    );
    expect(await count()).toBe(106);
    await withSql(
      t.databaseUrl,
      (sql) => sql`update daily_metrics set count = count - 100 where day = '2026-01-03'`,
    );
    // So do today and later days once rolled up: every write marks its days dirty in its own
    // statement, so a day without a mark is current in the rollup.
    await withSql(
      t.databaseUrl,
      (sql) => sql`update daily_metrics set count = count + 100 where day >= current_date`,
    );
    expect(await count()).toBe(206);
    const later = await t.gql(
      'query($from: Date!) { viewer { summary(from: $from, to: "2099-12-31") { count } } }',
      { from: today },
      token,
    );
    expect(later.data?.viewer.summary.count).toBe(202);
    await withSql(
      t.databaseUrl,
      (sql) => sql`update daily_metrics set count = count - 100 where day >= current_date`,
    );
    // A delete on a rolled-up day counts right away (the day is dirty, so counted live).
    const first = (
      await t.gql(
        '{ viewer { expenses(first: 1, orderBy: DATE_ASC) { nodes { id } } } }',
        {},
        token,
      )
    ).data?.viewer.expenses.nodes[0].id;
    await t.gql(
      'mutation($id: ID!) { deleteExpense(input: { id: $id }) { deletedId } }',
      { id: first },
      token,
    );
    expect(await count()).toBe(5);
    expect(await truth(userId)).toBe(5);
    await eventually(async () => ((await dirtyDays(t.databaseUrl)) === 0 ? true : undefined));
    expect(await count()).toBe(5);
  });
});

describe('settings and send_notification', () => {
  it('validates settings', async () => {
    const { token } = await t.signUp();
    const bad = await t.gql(
      SETTINGS,
      { input: { notificationWebhookUrl: 'ftp://example.com' } },
      token,
    );
    expect(bad.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'notificationWebhookUrl',
    });
    const negative = await t.gql(SETTINGS, { input: { monthlyBudget: '-5' } }, token);
    expect(negative.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('notifies when an export is ready, retrying a 5xx', async () => {
    const { token } = await t.signUp();
    const set = await t.gql(SETTINGS, { input: { notificationWebhookUrl: receiver.url } }, token);
    expect(set.data?.updateSettings.user.notificationWebhookUrl).toBe(receiver.url);
    receiver.answer(503);
    const start = receiver.received.length;
    await t.gql(`mutation { requestExport(input: { format: CSV }) { export { id } } }`, {}, token);
    const delivered = await eventually(async () => {
      const mine = receiver.received.slice(start).filter((r) => r.body.event === 'export_ready');
      return mine.length >= 2 ? mine : undefined;
    }, 20_000);
    expect(delivered[1]?.body).toMatchObject({ event: 'export_ready', data: { rowCount: 0 } });
    // Signed the Standard Webhooks way with the secret the user sees in their settings.
    const secret = set.data?.updateSettings.user.notificationWebhookSecret as string;
    expect(secret).toMatch(/^whsec_/);
    const last = delivered[1] as (typeof delivered)[number];
    expect(new Webhook(secret).verify(last.raw, last.headers as Record<string, string>)).toEqual(
      last.body,
    );
    expect(() =>
      new Webhook(`whsec_${Buffer.from('another-secret-another').toString('base64')}`).verify(
        last.raw,
        last.headers as Record<string, string>,
      ),
    ).toThrow();
  }, 30_000);

  it('sends one budget notification per month when spending crosses the budget', async () => {
    const { token } = await t.signUp();
    await t.gql(
      SETTINGS,
      { input: { notificationWebhookUrl: receiver.url, monthlyBudget: '100.00' } },
      token,
    );
    const start = receiver.received.length;
    await t.gql(
      CREATE_EXPENSES,
      { input: { expenses: [{ amount: '60.00', description: 'a', date: '2026-03-03' }] } },
      token,
    );
    await t.gql(
      CREATE_EXPENSES,
      { input: { expenses: [{ amount: '50.00', description: 'b', date: '2026-03-04' }] } },
      token,
    );
    await t.gql(
      CREATE_EXPENSES,
      { input: { expenses: [{ amount: '5.00', description: 'c', date: '2026-03-05' }] } },
      token,
    );
    const alerts = await eventually(async () => {
      const mine = receiver.received.slice(start).filter((r) => r.body.event === 'budget_exceeded');
      return mine.length >= 1 ? mine : undefined;
    });
    await eventually(async () => ((await dirtyDays(t.databaseUrl)) === 0 ? true : undefined));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.body.data).toMatchObject({ month: '2026-03', budget: '100.00' });
  });

  it('gives up at once on a 4xx', async () => {
    const { token } = await t.signUp();
    await t.gql(SETTINGS, { input: { notificationWebhookUrl: receiver.url } }, token);
    receiver.answer(410);
    const start = receiver.received.length;
    await t.gql(`mutation { requestExport(input: { format: JSON }) { export { id } } }`, {}, token);
    await eventually(async () => (receiver.received.length > start ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const pending = await withSql(t.databaseUrl, async (sql) =>
      Number(
        (
          await sql`select count(*) from graphile_worker.jobs where task_identifier = 'send_notification'`
        )[0]?.count,
      ),
    );
    expect(pending).toBe(0);
    expect(receiver.received.length).toBe(start + 1);
  });
});
