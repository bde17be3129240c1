import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';
import { withSql } from '../helpers/factories.js';
import { eventually } from '../helpers/wait.js';

const t = useTestApp({ WORKER_ENABLED: 'true', WORKER_POLL_INTERVAL_MS: '100' });

const SUBMIT = `mutation($text: String!) { submitChatMessage(input: { text: $text }) { job { id kind state attempts } } }`;
const JOB = `query($id: ID!) { job(id: $id) { id kind state attempts lastError result progress total } }`;

async function finished(token: string, id: string) {
  return eventually(async () => {
    const res = await t.gql(JOB, { id }, token);
    const job = res.data?.job;
    return job && (job.state === 'SUCCEEDED' || job.state === 'FAILED') ? job : undefined;
  });
}

describe('submitChatMessage and parse_chat_message', () => {
  it('turns a message into an expense, then suggests its category', async () => {
    const { token } = await t.signUp({ currency: 'CAD' });
    const res = await t.gql(SUBMIT, { text: 'lunch 12.50 at Cafe Rio yesterday' }, token);
    expect(res.data?.submitChatMessage.job).toMatchObject({
      kind: 'parse_chat_message',
      state: 'QUEUED',
      attempts: 0,
    });
    const job = await finished(token, res.data?.submitChatMessage.job.id);
    // A chat message reports no units of work.
    expect(job).toMatchObject({
      state: 'SUCCEEDED',
      attempts: 1,
      lastError: null,
      progress: null,
      total: null,
    });
    const expenseId = job.result.expenseId;
    expect(Object.keys(job.result)).toEqual(['expenseId']);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const expense = await eventually(async () => {
      const r = await t.gql(
        `query($id: ID!) { node(id: $id) { ... on Expense { amount currency merchant date description categorySource category { name } } } }`,
        { id: expenseId },
        token,
      );
      return r.data?.node.categorySource === 'PENDING' ? undefined : r.data?.node;
    });
    expect(expense).toEqual({
      amount: '12.50',
      currency: 'CAD',
      merchant: 'Cafe Rio',
      date: yesterday,
      description: 'lunch',
      categorySource: 'SUGGESTED',
      category: { name: 'Food & Dining' },
    });
  });

  it('fails permanently, without retries, when the message has no amount', async () => {
    const { token } = await t.signUp();
    const res = await t.gql(SUBMIT, { text: 'hello there' }, token);
    const job = await finished(token, res.data?.submitChatMessage.job.id);
    expect(job).toMatchObject({
      state: 'FAILED',
      attempts: 1,
      lastError: 'No amount found in the message',
      result: null,
    });
  });

  it('validates the text and needs a user', async () => {
    const { token } = await t.signUp();
    expect((await t.gql(SUBMIT, { text: '   ' }, token)).errors?.[0]?.extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
    expect(
      (await t.gql(SUBMIT, { text: 'x'.repeat(2001) }, token)).errors?.[0]?.extensions?.code,
    ).toBe('BAD_USER_INPUT');
    expect((await t.gql(SUBMIT, { text: 'coffee 3' })).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('shows a job only to the user who started it', async () => {
    const alice = await t.signUp();
    const bob = await t.signUp();
    const id = (await t.gql(SUBMIT, { text: 'coffee $4 today' }, alice.token)).data
      ?.submitChatMessage.job.id;
    expect((await t.gql(JOB, { id }, bob.token)).data?.job).toBeNull();
    expect(
      (await t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id }, bob.token)).data?.node,
    ).toBeNull();
    expect((await t.gql(JOB, { id: 'garbage' }, bob.token)).errors?.[0]?.extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
  });

  it('processes 200 concurrent messages, each exactly once', async () => {
    const { token, id: userId } = await t.signUp();
    const ids = await Promise.all(
      Array.from(
        { length: 200 },
        async (_, i) =>
          (await t.gql(SUBMIT, { text: `item ${i + 1}.00 today` }, token)).data?.submitChatMessage
            .job.id,
      ),
    );
    expect(new Set(ids).size).toBe(200);
    const dbUser = Number(Buffer.from(userId, 'base64').toString().split(':')[1]);
    await eventually(
      async () =>
        withSql(t.databaseUrl, async (sql) => {
          const [row] =
            await sql`select count(*) filter (where state = 'SUCCEEDED')::int as done from jobs where user_id = ${dbUser}`;
          return row?.done === 200 ? true : undefined;
        }),
      60_000,
    );
    const amounts = await withSql(t.databaseUrl, async (sql) =>
      (
        await sql`select amount::text as a from expenses where user_id = ${dbUser} order by expenses.amount`
      ).map((r) => r.a),
    );
    expect(amounts).toEqual(Array.from({ length: 200 }, (_, i) => `${i + 1}.00`));
  }, 90_000);
});

describe('job errors users see', () => {
  it('a message dated 0000-01-01 fails for good with the reason, never SQL', async () => {
    const { token } = await t.signUp();
    const res = await t.gql(SUBMIT, { text: 'lunch 12.50 on 0000-01-01' }, token);
    const job = await finished(token, res.data?.submitChatMessage.job.id);
    expect(job.state).toBe('FAILED');
    expect(job.lastError).toBe('"0000-01-01" is not a valid date');
  });
});

describe('POST /webhooks/chat', () => {
  it('answers 202 with the job id, and the job runs', async () => {
    const { token } = await t.signUp();
    const response = await t.fetch('/webhooks/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ text: 'Uber 23,40 EUR' }),
    });
    expect(response.status).toBe(202);
    const body = await response.json();
    expect(body).toMatchObject({ state: 'QUEUED' });
    const job = await finished(token, body.jobId);
    expect(job.state).toBe('SUCCEEDED');
  });

  it('refuses a missing token (401) and an empty message (400)', async () => {
    const { token } = await t.signUp();
    const anonymous = await t.fetch('/webhooks/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text":"coffee 3"}',
    });
    expect(anonymous.status).toBe(401);
    const empty = await t.fetch('/webhooks/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{}',
    });
    expect(empty.status).toBe(400);
  });

  it('refuses NUL characters with 400, as JSON or plain text', async () => {
    const { token } = await t.signUp();
    for (const [type, body] of [
      ['application/json', JSON.stringify({ text: 'coffee\u0000 3' })],
      ['text/plain', 'coffee\u0000 3'],
    ] as const) {
      const response = await t.fetch('/webhooks/chat', {
        method: 'POST',
        headers: { 'content-type': type, authorization: `Bearer ${token}` },
        body,
      });
      expect(response.status, type).toBe(400);
      expect((await response.json()).error.code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('job metrics', () => {
  it('/metrics reports runs per task and outcome, queue latency, run time and the queue', async () => {
    const text = await (await t.fetch('/metrics')).text();
    for (const pattern of [
      /jobs_total\{task="parse_chat_message",outcome="started"\} [1-9]/,
      /jobs_total\{task="parse_chat_message",outcome="succeeded"\} [1-9]/,
      /jobs_total\{task="parse_chat_message",outcome="failed"\} [1-9]/,
      /jobs_total\{task="suggest_category",outcome="succeeded"\} [1-9]/,
      /job_queue_latency_seconds_count\{task="parse_chat_message"\} [1-9]/,
      /job_run_seconds_bucket\{le="[^"]+",task="suggest_category"\}/,
      /# TYPE jobs_in_queue gauge/,
    ]) {
      expect(text).toMatch(pattern);
    }
  });
});
