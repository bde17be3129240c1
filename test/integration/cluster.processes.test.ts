/**
 * WEB_CONCURRENCY=2: two server processes share the port, /metrics counts both, a process that
 * dies is replaced, SIGTERM to the primary stops them all, and processes that cannot start make
 * the primary give up instead of forking forever.
 */
import http from 'node:http';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/database.js';
import { startServer } from '../helpers/server-process.js';
import { until } from '../helpers/wait.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sql: postgres.Sql;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = postgres(db.url, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await sql.end();
  await db.drop();
});

/** One request on a connection of its own: the primary hands each connection to a process. */
function request(port: number, path: string, body?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: body === undefined ? 'GET' : 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', connection: 'close' },
        // A connection handed to a process as it is killed is never answered.
        timeout: 2000,
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve(text));
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Pids of the server processes with a pool open on the database (application_name). */
async function serverPids(): Promise<number[]> {
  const rows = await sql<{ name: string }[]>`
    select distinct application_name as name from pg_stat_activity
    where datname = current_database() and application_name like 'ledgerline-%'`;
  return rows.map((row) => Number(row.name.split('-')[1])).sort();
}

/** /ready on fresh connections (each runs `select 1` on its process's pool). */
async function touchAll(port: number): Promise<void> {
  await Promise.allSettled(Array.from({ length: 8 }, () => request(port, '/ready')));
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('WEB_CONCURRENCY=2', () => {
  it('serves from two processes, counts both in /metrics, replaces a dead one, stops on SIGTERM', async () => {
    const server = await startServer(db.url, {
      WEB_CONCURRENCY: '2',
      CACHE_ENABLED: 'false',
      RATE_LIMIT_ENABLED: 'false',
      WORKER_ENABLED: 'false',
    });
    try {
      await until(async () => {
        await touchAll(server.port);
        return (await serverPids()).length === 2;
      });
      const pids = await serverPids();
      expect(pids).not.toContain(server.child.pid);

      // 20 operations spread over both processes; whichever answers the scrape counts all 20.
      const query = JSON.stringify({ query: '{ __typename }' });
      for (let i = 0; i < 20; i++) {
        expect(await request(server.port, '/graphql', query)).toBe(
          '{"data":{"__typename":"Query"}}',
        );
      }
      for (let i = 0; i < 4; i++) {
        const text = await request(server.port, '/metrics');
        const operations = [...text.matchAll(/^graphql_operations_total\{[^}]*\} (\d+)$/gm)];
        expect(operations.reduce((sum, match) => sum + Number(match[1]), 0)).toBe(20);
      }

      // A process killed outright is replaced by a new one.
      const [victim, survivor] = pids as [number, number];
      process.kill(victim, 'SIGKILL');
      await until(async () => {
        await touchAll(server.port);
        const now = await serverPids();
        return now.includes(survivor) && now.some((pid) => !pids.includes(pid));
      });
      const replaced = (await serverPids()).filter((pid) => pid !== victim);

      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      for (const pid of replaced) expect(alive(pid)).toBe(false);
    } finally {
      server.child.kill('SIGKILL');
    }
  }, 60_000);

  it('gives up, exiting 1, when its processes cannot start (no fork loop)', async () => {
    const missing = new URL(db.url);
    missing.pathname = '/ledgerline_no_such_database';
    const server = await startServer(missing.toString(), {
      WEB_CONCURRENCY: '2',
      CACHE_ENABLED: 'false',
      RATE_LIMIT_ENABLED: 'false',
      WORKER_ENABLED: 'false',
    });
    try {
      expect(await server.exited).toBe(1);
    } finally {
      server.child.kill('SIGKILL');
    }
  }, 60_000);
});
