/**
 * The API through PgBouncer in transaction mode (a PgBouncer of the test's own in front of the
 * shared Postgres): DATABASE_URL through it with DB_PREPARE=false (Debian's PgBouncer predates
 * 1.21's max_prepared_statements), DATABASE_DIRECT_URL for what needs a session (migrations'
 * advisory lock, graphile-worker's LISTEN). Sign-up, writes in transactions, bulk inserts,
 * keyset pages, many requests at once, a chat message's job streamed to SUCCEEDED and an export
 * all work; the pooler's connections carry the gateway's statement_timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, startApp } from '../helpers/cache-app.js';
import { createTestDatabase } from '../helpers/database.js';
import { CREATE_EXPENSE, CREATE_EXPENSES, EXPENSE_PAGE } from '../helpers/operations.js';
import { type OwnPgBouncer, pgbouncerBin, startPgBouncer } from '../helpers/pgbouncer.js';
import { subscribe, untilComplete } from '../helpers/sse.js';
import { eventually } from '../helpers/wait.js';

let bouncer: OwnPgBouncer;
let app: Client;
let drop: () => Promise<void>;
beforeAll(async () => {
  if (!pgbouncerBin) return;
  const db = await createTestDatabase();
  drop = db.drop;
  bouncer = await startPgBouncer();
  app = await startApp(bouncer.through(db.url), {
    DB_PREPARE: 'false',
    DATABASE_DIRECT_URL: db.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    WORKER_ENABLED: 'true',
    WORKER_POLL_INTERVAL_MS: '50',
  });
}, 60_000);
afterAll(async () => {
  await app?.app.stop();
  await bouncer?.stop();
  await drop?.();
});

describe.runIf(pgbouncerBin)('through PgBouncer in transaction mode', () => {
  it('serves writes, pages, concurrent reads, jobs and exports', async () => {
    const { body } = await app.gql('mutation($i: SignUpInput!) { signUp(input: $i) { token } }', {
      i: { email: 'bouncer@example.com', name: 'Bouncer', password: 'password123' },
    });
    const token: string = body.data.signUp.token;

    const one = await app.gql(
      CREATE_EXPENSE,
      { input: { amount: '9.50', description: 'through the pooler' } },
      token,
    );
    expect(one.body.errors).toBeUndefined();
    const bulk = await app.gql(
      CREATE_EXPENSES,
      {
        input: {
          expenses: Array.from({ length: 30 }, (_, i) => ({
            amount: `${i + 1}.00`,
            description: `bulk ${i}`,
            date: '2026-11-01',
          })),
        },
      },
      token,
    );
    expect(bulk.body.errors).toBeUndefined();
    expect(bulk.body.data.createExpenses.count).toBe(30);

    // Keyset pages: every expense once.
    const seen = new Set<string>();
    let after: string | null = null;
    for (;;) {
      const page = await app.gql(EXPENSE_PAGE, { first: 7, after }, token);
      expect(page.body.errors).toBeUndefined();
      const { edges, pageInfo } = page.body.data.viewer.expenses;
      for (const edge of edges) seen.add(edge.node.id);
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(seen.size).toBe(31);

    // More requests at once than the pool has connections, each a different statement shape.
    const many = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        app.gql(
          EXPENSE_PAGE,
          { first: 1 + (i % 20), orderBy: i % 2 ? 'AMOUNT_DESC' : null },
          token,
        ),
      ),
    );
    for (const answer of many) {
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data.viewer.expenses.totalCount).toBe(31);
    }

    // A job, run by graphile-worker over the direct connection, streamed to its end.
    const submitted = await app.gql(
      'mutation { submitChatMessage(input: { text: "pooler lunch 12.50 today" }) { job { id } } }',
      {},
      token,
    );
    const jobId = submitted.body.data.submitChatMessage.job.id;
    const stream = await subscribe(
      app,
      'subscription($id: ID!) { jobUpdated(id: $id) { state } }',
      { id: jobId },
      token,
    );
    const states = (await untilComplete(stream)).map((payload) => payload.data.jobUpdated.state);
    expect(states.at(-1)).toBe('SUCCEEDED');

    const requested = await app.gql(
      'mutation { requestExport(input: { format: CSV }) { export { id } } }',
      {},
      token,
    );
    const exportId = requested.body.data.requestExport.export.id;
    const done = await eventually(async () => {
      const { body: read } = await app.gql(
        'query($id: ID!) { node(id: $id) { ... on Export { state rowCount } } }',
        { id: exportId },
        token,
      );
      return read.data.node.state === 'SUCCEEDED' ? read.data.node : undefined;
    }, 30_000);
    expect(done.rowCount).toBe(32);
  }, 120_000);

  it("the pooler's server connections carry the gateway's statement_timeout", async () => {
    const [row] = await app.app.infra.pool<{ timeout: string }[]>`
      select current_setting('statement_timeout') as timeout`;
    expect(row?.timeout).toBe('5s');
  });
});
