/**
 * postgres.js 3.4.9 throws from a scheduled write when its connection closed in between
 * (`Cannot read properties of null (reading 'write')` in nextWrite, porsager/postgres#1154 and
 * #1208), which no caller can catch: the process exits. patches/ guards it (applied by
 * patch-package on install). A reserved connection whose backend is terminated reproduces it at
 * once; in a child process, so a crash is an exit code rather than this test runner's.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/database.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const SCRIPT = `
import postgres from 'postgres';
const sql = postgres(process.env.URL, { max: 2, onnotice: () => {} });
const reserved = await sql.reserve();
const [{ pid }] = await reserved\`select pg_backend_pid() as pid\`;
await sql\`select pg_terminate_backend(\${pid})\`;
for (let i = 0; i < 3; i++) {
  const outcome = await reserved\`select 1\`.then(() => 'ok', (e) => e.code);
  console.log(outcome);
  await new Promise((resolve) => setTimeout(resolve, 50));
}
reserved.release();
await sql.end({ timeout: 1 });
`;

it('a query on a connection whose backend died fails with a code; the process lives', async () => {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    env: { ...process.env, URL: db.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr.on('data', (chunk) => {
    err += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(err).not.toMatch(/reading 'write'/);
  expect(code).toBe(0);
  const outcomes = out.trim().split('\n');
  expect(outcomes).toHaveLength(3);
  expect(outcomes.every((o) => ['CONNECTION_CLOSED', 'ECONNRESET'].includes(o))).toBe(true);
});
