/**
 * Live subscriptions over Server-Sent Events (GraphQL over SSE, distinct connections: a POST with
 * `Accept: text/event-stream`), on two instances sharing Redis, with a real streaming HTTP
 * client: a write on one instance reaches a subscriber on the other, another user's subscriber
 * hears nothing, and a chat message's job and an export stream their states in order, then end.
 */
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, startApp } from '../helpers/cache-app.js';
import { createTestDatabase } from '../helpers/database.js';
import { CREATE_CATEGORY, CREATE_EXPENSE } from '../helpers/operations.js';
import { subscribe, untilComplete } from '../helpers/sse.js';
import { eventually } from '../helpers/wait.js';

const REDIS = { REDIS_URL: 'redis://127.0.0.1:6379', CACHE_REDIS_TIMEOUT_MS: '5000' };

let drop: () => Promise<void>;
let a: Client;
let b: Client;
beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  // The worker runs on instance A; subscribers listen on B.
  a = await startApp(db.url, { ...REDIS, WORKER_ENABLED: 'true', WORKER_POLL_INTERVAL_MS: '50' });
  b = await startApp(db.url, REDIS);
}, 60_000);
afterAll(async () => {
  await Promise.all([a?.app.stop(), b?.app.stop()]);
  await drop?.();
});

async function signUp(client: Client, email: string): Promise<string> {
  const { body } = await client.gql('mutation($i: SignUpInput!) { signUp(input: $i) { token } }', {
    i: { email, name: 'Live', password: 'password123' },
  });
  return body.data.signUp.token;
}

const EXPENSE_CHANGED = `subscription {
  expenseChanged { kind deletedId expense { id description amount } }
}`;

describe('subscriptions over SSE', () => {
  it("a write on one instance reaches the writer's subscriber on the other, and no one else's", async () => {
    const ann = await signUp(a, 'live-ann@example.com');
    const bob = await signUp(a, 'live-bob@example.com');
    const annStream = await subscribe(b, EXPENSE_CHANGED, {}, ann);
    const bobStream = await subscribe(a, EXPENSE_CHANGED, {}, bob);

    const created = await a.gql(
      CREATE_EXPENSE,
      { input: { amount: '4.20', description: 'live coffee', categoryId: null } },
      ann,
    );
    const id = created.body.data.createExpense.expense.id;
    expect(await annStream.next()).toEqual({
      data: {
        expenseChanged: {
          kind: 'CREATED',
          deletedId: null,
          expense: { id, description: 'live coffee', amount: '4.20' },
        },
      },
    });

    // Bob's own write is the first thing his stream hears: Ann's never reached it.
    const bobs = await b.gql(
      CREATE_EXPENSE,
      { input: { amount: '1.00', description: 'bob tea', categoryId: null } },
      bob,
    );
    const bobEvent = await bobStream.next();
    expect(bobEvent?.data.expenseChanged.expense.id).toBe(bobs.body.data.createExpense.expense.id);

    await a.gql(
      'mutation($id: ID!) { deleteExpense(input: { id: $id }) { deletedId } }',
      { id },
      ann,
    );
    // Events in commit order; a suggestion job may update it before the delete.
    let event = await annStream.next();
    while (event?.data.expenseChanged.kind === 'UPDATED') event = await annStream.next();
    expect(event?.data.expenseChanged).toEqual({ kind: 'DELETED', deletedId: id, expense: null });
    annStream.close();
    bobStream.close();
  }, 60_000);

  it('a created expense reaches subscribers as inserted, read back by none; later changes are read, and a late creation never shows an older row', async () => {
    const ann = await signUp(a, 'live-created-row@example.com');
    // Filed by hand: no suggestion job changes it meanwhile.
    const category = await a.gql(CREATE_CATEGORY, { input: { name: 'Snacks' } }, ann);
    const categoryId = category.body.data.createCategory.category.id;
    const FIELDS =
      'id amount currency description merchant date createdAt updatedAt categorySource';
    const stream = await subscribe(
      b,
      `subscription { expenseChanged { kind expense { ${FIELDS} } } }`,
      {},
      ann,
    );
    const statements = async () => (await b.app.metrics.sqlStatements.get()).values[0]?.value ?? 0;
    const before = await statements();
    const created = await a.gql(
      CREATE_EXPENSE,
      {
        input: { amount: '7.25', description: 'as inserted', merchant: 'Kiosk', categoryId },
      },
      ann,
    );
    const id = created.body.data.createExpense.expense.id;
    const event = await stream.next();
    expect(await statements()).toBe(before);
    const queried = await b.gql(
      `query($id: ID!) { node(id: $id) { ... on Expense { ${FIELDS} } } }`,
      { id },
      ann,
    );
    expect(event?.data.expenseChanged).toEqual({
      kind: 'CREATED',
      expense: queried.body.data.node,
    });

    await a.gql(
      'mutation($id: ID!) { updateExpense(input: { id: $id, description: "renamed" }) { expense { id } } }',
      { id },
      ann,
    );
    expect((await stream.next())?.data.expenseChanged).toMatchObject({
      kind: 'UPDATED',
      expense: { id, description: 'renamed' },
    });
    expect(await statements()).toBeGreaterThan(before);

    // A creation published late, after the stream told of a change: read, not the row it carries.
    const userId = Number(
      Buffer.from(created.body.data.createExpense.expense.user.id, 'base64')
        .toString()
        .split(':')[1],
    );
    const expenseId = Number(Buffer.from(id, 'base64').toString().split(':')[1]);
    b.app.infra.events.publish({
      type: 'expense',
      userId,
      kind: 'CREATED',
      expenseId,
      created: { id: expenseId, userId, description: 'as inserted', amount: '7.25' },
    });
    expect((await stream.next())?.data.expenseChanged).toMatchObject({
      kind: 'CREATED',
      expense: { id, description: 'renamed' },
    });
    stream.close();
  }, 60_000);

  it("two users subscribed on both instances while both write on both: each hears all of their own writes and none of the other's", async () => {
    const users = [
      await signUp(a, 'live-both-1@example.com'),
      await signUp(b, 'live-both-2@example.com'),
    ];
    const streams = await Promise.all(
      users.flatMap((token) =>
        [a, b].map((client) => subscribe(client, EXPENSE_CHANGED, {}, token)),
      ),
    );
    const written = await Promise.all(
      users.map(async (token) => {
        const ids = await Promise.all(
          Array.from({ length: 6 }, async (_, i) => {
            const created = await (i % 2 ? a : b).gql(
              CREATE_EXPENSE,
              { input: { amount: `${i + 1}.00`, description: `both ${i}`, categoryId: null } },
              token,
            );
            return created.body.data.createExpense.expense.id as string;
          }),
        );
        return new Set(ids);
      }),
    );
    for (const [index, stream] of streams.entries()) {
      const own = written[Math.floor(index / 2)] as Set<string>;
      const heard = new Set<string>();
      // Every event is about one of the user's own expenses, until each creation has been heard
      // (a suggestion job's UPDATED may come between them).
      while ([...own].some((id) => !heard.has(id))) {
        const change = (await stream.next())?.data.expenseChanged;
        expect(own.has(change.expense?.id ?? change.deletedId)).toBe(true);
        if (change.kind === 'CREATED') heard.add(change.expense.id);
      }
      stream.close();
    }
  }, 60_000);

  it('deleting a category is heard as an update of each of its expenses, now uncategorized', async () => {
    const ann = await signUp(a, 'live-category@example.com');
    const category = await a.gql(CREATE_CATEGORY, { input: { name: 'Fleeting' } }, ann);
    const categoryId = category.body.data.createCategory.category.id;
    const ids: string[] = [];
    for (const description of ['first filed', 'second filed']) {
      const created = await a.gql(
        CREATE_EXPENSE,
        { input: { amount: '3.00', description, categoryId } },
        ann,
      );
      ids.push(created.body.data.createExpense.expense.id);
    }
    const stream = await subscribe(
      b,
      'subscription { expenseChanged { kind expense { id categorySource category { id } } } }',
      {},
      ann,
    );
    const deleted = await a.gql(
      'mutation($id: ID!) { deleteCategory(input: { id: $id }) { deletedId } }',
      { id: categoryId },
      ann,
    );
    expect(deleted.body.errors).toBeUndefined();
    const heard = [(await stream.next())?.data, (await stream.next())?.data];
    stream.close();
    expect(heard.map((event) => event?.expenseChanged.expense.id).sort()).toEqual([...ids].sort());
    for (const event of heard) {
      expect(event?.expenseChanged).toMatchObject({
        kind: 'UPDATED',
        expense: { categorySource: 'UNCATEGORIZED', category: null },
      });
    }
  }, 60_000);

  it('a client that refetches on an event reads the write on the writing instance, even before Redis has answered its invalidation there', async () => {
    const ann = await signUp(a, 'live-refetch@example.com');
    const COUNT = '{ viewer { expenses(first: 10) { totalCount } } }';
    await a.gql(COUNT, {}, ann);
    expect((await a.gql(COUNT, {}, ann)).cache).toBe('HIT');
    const stream = await subscribe(b, EXPENSE_CHANGED, {}, ann);
    // A long reply ahead of the write's on A's Redis connection: the answer to its invalidation
    // comes only after it, while the event (and A's invalidation channel) go on at once.
    const redis = a.app.infra.redis as NonNullable<typeof a.app.infra.redis>;
    const big = `${a.app.infra.sharedPrefix}:test:long-reply`;
    await redis.set(big, 'x'.repeat(64 * 1024 * 1024));
    try {
      const longReply = redis.get(big);
      const write = a.gql(
        CREATE_EXPENSE,
        { input: { amount: '5.00', description: 'refetched', categoryId: null } },
        ann,
      );
      expect((await stream.next())?.data.expenseChanged.kind).toBe('CREATED');
      const refetched = await a.gql(COUNT, {}, ann);
      expect(refetched.body.data.viewer.expenses.totalCount).toBe(1);
      await Promise.all([write, longReply]);
    } finally {
      stream.close();
      await redis.del(big);
    }
  }, 60_000);

  it("a write's invalidation is one Redis command, and its event is published right behind it", async () => {
    const ann = await signUp(a, 'live-order@example.com');
    const stream = await subscribe(b, EXPENSE_CHANGED, {}, ann);
    const prefix = a.app.infra.sharedPrefix;
    // MONITOR lists commands in the order Redis runs them, from every connection.
    const monitor = createClient({ url: REDIS.REDIS_URL });
    await monitor.connect();
    const seen: string[] = [];
    await monitor.monitor((line) => {
      if (line.includes(prefix)) seen.push(line);
    });
    let expenseId = '';
    try {
      const created = await a.gql(
        CREATE_EXPENSE,
        { input: { amount: '2.00', description: 'ordered', categoryId: null } },
        ann,
      );
      expenseId = created.body.data.createExpense.expense.id;
      expect((await stream.next())?.data.expenseChanged.kind).toBe('CREATED');
    } finally {
      stream.close();
      monitor.destroy();
    }
    const rowId = Buffer.from(expenseId, 'base64').toString().split(':')[1];
    // `<time> [<db> <client>] "<COMMAND>" "<first argument>" …`; a script's own commands are
    // listed too, right after it, from "lua".
    const parsed = seen.map((line) => ({
      client: /\[\d+ ([^\]]+)\]/.exec(line)?.[1],
      command: /\] "(\w+)" "([^"]*)"/.exec(line)?.slice(1) ?? [],
      line,
    }));
    const event = parsed.findIndex(
      ({ command, line }) =>
        command[0] === 'PUBLISH' &&
        command[1]?.startsWith(`${prefix}:events:`) &&
        new RegExp(`\\\\"expenseId\\\\":${rowId}[,}]`).test(line),
    );
    expect(event).toBeGreaterThan(0);
    const writer = parsed[event]?.client;
    // The writer's last command before the event's: the invalidation script, which bumped the
    // user's version and told the other instances (its PUBLISH ran before the event's).
    const sent = parsed.slice(0, event).findLastIndex(({ client }) => client === writer);
    expect(parsed[sent]?.command[0]).toBe('EVAL');
    const script = parsed.slice(sent + 1, event).filter(({ client }) => client === 'lua');
    expect(script.map(({ command }) => command[0])).toEqual(['INCR', 'INCR', 'PUBLISH']);
    expect(script.at(-1)?.command[1]).toBe(`${prefix}:invalidate`);
    expect(
      parsed.filter(({ client, command }) => client !== 'lua' && command[0] === 'INCR'),
    ).toEqual([]);
  }, 60_000);

  it("a chat message's job streams its states in order from any instance, then the stream ends", async () => {
    const token = await signUp(b, 'live-chat@example.com');
    const submitted = await b.gql(
      'mutation { submitChatMessage(input: { text: "lunch 12.50 yesterday" }) { job { id } } }',
      {},
      token,
    );
    const jobId = submitted.body.data.submitChatMessage.job.id;
    const stream = await subscribe(
      b,
      'subscription($id: ID!) { jobUpdated(id: $id) { id state attempts result } }',
      { id: jobId },
      token,
    );
    const jobs = (await untilComplete(stream)).map((payload) => payload.data.jobUpdated);
    const states: string[] = jobs.map((job) => job.state);
    const last = jobs.at(-1);
    const order = ['QUEUED', 'RUNNING', 'SUCCEEDED'];
    expect(states.at(-1)).toBe('SUCCEEDED');
    expect(states.map((s) => order.indexOf(s))).toEqual(
      [...states.map((s) => order.indexOf(s))].sort((x, y) => x - y),
    );
    expect(last.result.expenseId).toEqual(expect.any(String));
  }, 60_000);

  it('an export streams to SUCCEEDED with its rows; another user may not follow it', async () => {
    const token = await signUp(a, 'live-export@example.com');
    await a.gql(CREATE_EXPENSE, { input: { amount: '2.00', description: 'one' } }, token);
    const requested = await a.gql(
      'mutation { requestExport(input: { format: CSV }) { export { id } } }',
      {},
      token,
    );
    const exportId = requested.body.data.requestExport.export.id;
    const stream = await subscribe(
      b,
      'subscription($id: ID!) { exportUpdated(id: $id) { id state rowCount } }',
      { id: exportId },
      token,
    );
    const last = (await untilComplete(stream)).at(-1)?.data.exportUpdated;
    expect(last).toEqual({ id: exportId, state: 'SUCCEEDED', rowCount: 1 });

    const stranger = await signUp(a, 'live-stranger@example.com');
    const refused = await subscribe(
      b,
      'subscription($id: ID!) { exportUpdated(id: $id) { id } }',
      { id: exportId },
      stranger,
    );
    const answer = await refused.next();
    expect(answer?.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(answer?.data ?? null).toBeNull();
    refused.close();
  }, 60_000);

  it('refuses a user past SUBSCRIPTIONS_PER_USER with RATE_LIMITED, frees the slot when one leaves, and ends streams at shutdown', async () => {
    const db = await createTestDatabase();
    const c = await startApp(db.url, { ...REDIS, SUBSCRIPTIONS_PER_USER: '2' });
    try {
      const token = await signUp(c, 'live-limit@example.com');
      const first = await subscribe(c, EXPENSE_CHANGED, {}, token);
      const second = await subscribe(c, EXPENSE_CHANGED, {}, token);
      const third = await c.http.fetch('/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          authorization: `Bearer ${token}`,
        },
        body: JSON.stringify({ query: EXPENSE_CHANGED }),
      });
      expect(third.status).toBe(429);
      expect(await third.text()).toMatch(/RATE_LIMITED/);
      expect((await c.app.metrics.subscriptionsOpen.get()).values[0]?.value).toBe(2);

      // A client that leaves frees its slot (once the server notices the closed stream).
      first.close();
      const again = await eventually(async () => {
        // 429 until the server has noticed (the helper expects 200 and throws otherwise).
        const attempt = await subscribe(c, EXPENSE_CHANGED, {}, token).catch(() => undefined);
        if (!attempt) return undefined;
        const open = (await c.app.metrics.subscriptionsOpen.get()).values[0]?.value === 2;
        if (open) return attempt;
        attempt.close();
        return undefined;
      });

      // Shutdown ends every open stream: they complete.
      c.app.beginShutdown();
      expect(await second.next()).toBeUndefined();
      expect(await again.next()).toBeUndefined();
    } finally {
      await c.app.stop();
      await db.drop();
    }
  }, 60_000);
});
