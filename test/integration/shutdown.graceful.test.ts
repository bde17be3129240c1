import http from 'node:http';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';
import { startServer } from '../helpers/server-process.js';
import { until } from '../helpers/wait.js';

type Outcome = { status: number; errors: boolean } | { error: string };

/** One POST on a connection of its own (no keep-alive reuse, so no idle-socket race). */
function post(port: number, body: string, token: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/graphql',
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          connection: 'close',
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, errors: text.includes('"errors"') }),
        );
        res.on('error', (error) =>
          resolve({ error: (error as NodeJS.ErrnoException).code ?? 'ERR' }),
        );
      },
    );
    req.on('error', (error) => resolve({ error: (error as NodeJS.ErrnoException).code ?? 'ERR' }));
    req.end(body);
  });
}

const t = useTestApp();

describe('graceful shutdown', () => {
  it('turns /ready to 503 as soon as shutdown begins', async () => {
    expect((await t.fetch('/ready')).status).toBe(200);
    t.app.beginShutdown();
    const response = await t.fetch('/ready');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'shutting down' });
  });

  it('the server process exits 0 on SIGTERM', async () => {
    const { child, base, exited } = await startServer(t.databaseUrl);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);

  it('Ctrl-C through npm (the signal twice at once) still drains and exits 0', async () => {
    const { child, base, exited } = await startServer(t.databaseUrl);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    // The terminal signals the whole group and npm relays the same signal a moment later.
    child.kill('SIGINT');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 60_000);

  it('SIGTERM under load: every request the server accepted is answered, and only those took effect', async () => {
    const { token } = await t.signUp();
    const sql = postgres(t.databaseUrl, { max: 2, onnotice: () => {} });
    const countExpenses = async () =>
      (await sql<{ n: number }[]>`select count(*)::int as n from expenses`)[0]?.n ?? 0;
    const before = await countExpenses();
    const server = await startServer(t.databaseUrl, {
      WORKER_ENABLED: 'false',
      RATE_LIMIT_ENABLED: 'false',
      DB_POOL_MAX: '30',
    });
    const body = JSON.stringify({
      query: 'mutation($i: CreateExpenseInput!) { createExpense(input: $i) { expense { id } } }',
      variables: { i: { amount: '1.25', description: 'under load' } },
    });
    const outcomes: Outcome[] = [];
    let running = true;
    // 12 clients in a loop until the server stops taking connections.
    const clients = Array.from({ length: 12 }, async () => {
      while (running) {
        const outcome = await post(server.port, body, token);
        outcomes.push(outcome);
        if ('error' in outcome) break;
      }
    });
    await until(async () => outcomes.length >= 50);
    // Hold writes up so that requests are in flight when the signal lands.
    let release = () => {};
    const locked = new Promise<void>((resolve) => {
      const held = sql.begin(async (tx) => {
        await tx`lock table expenses in exclusive mode`;
        resolve();
        await new Promise<void>((r) => {
          release = r;
        });
      });
      held.catch(() => {});
    });
    await locked;
    await until(async () => {
      const [row] = await sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'`;
      return (row?.n ?? 0) >= 10;
    });
    const inFlight = outcomes.length;
    server.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    const code = await server.exited;
    running = false;
    await Promise.all(clients);

    expect(code).toBe(0);
    const answered = outcomes.filter((o) => 'status' in o);
    // Nothing accepted was dropped or failed: every answer is a 200 with data ...
    expect(answered.every((o) => o.status === 200 && !o.errors)).toBe(true);
    // ... including the ten or more requests that were blocked when SIGTERM arrived ...
    expect(answered.length).toBeGreaterThanOrEqual(inFlight + 10);
    // ... and the database holds exactly the expenses that were answered: none lost, none extra.
    expect((await countExpenses()) - before).toBe(answered.length);
    // Requests after the signal could not connect (refused), they were not cut off half-way.
    for (const o of outcomes)
      if ('error' in o) expect(['ECONNREFUSED', 'ECONNRESET']).toContain(o.error);
    await sql.end();
  }, 60_000);
});
