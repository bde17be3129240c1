/**
 * Three defects of postgres.js 3.4.9 around a connection that closes or fails, all patched in
 * patches/ (applied by patch-package on install), each reproduced in a child process of its own:
 * - a write scheduled for the next tick throws when the connection closed in between
 *   (`Cannot read properties of null (reading 'write')` in nextWrite, porsager/postgres#1154 and
 *   #1208), which no caller can catch: the process exits;
 * - the close cancels that write but leaves its timer set, so the connection's next socket
 *   never sends a byte: every later query on it fails (CONNECT_TIMEOUT) or hangs, for good;
 * - the array types a new connection fetches first are fetched by a promise nobody handles, so
 *   a connection that closes (a restart) or a statement that fails during that fetch exits the
 *   process (porsager/postgres#1192, #1205, #1223).
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

/** Runs an ES module script in a child process against the test's database. */
async function runScript(script: string) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
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
  return { code, out, err };
}

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
  const { code, out, err } = await runScript(SCRIPT);
  expect(err).not.toMatch(/reading 'write'/);
  expect(code).toBe(0);
  const outcomes = out.trim().split('\n');
  expect(outcomes).toHaveLength(3);
  expect(outcomes.every((o) => ['CONNECTION_CLOSED', 'ECONNRESET'].includes(o))).toBe(true);
});

/** Immediates stretched to 200 ms, so the close lands before the write, as it can under load. */
const POISON_SCRIPT = `
import pg from 'pg';
globalThis.setImmediate = (fn, ...args) => setTimeout(fn, 200, ...args);
globalThis.clearImmediate = (timer) => clearTimeout(timer);
const { default: postgres } = await import('postgres');
const sql = postgres(process.env.URL, { max: 1, connect_timeout: 2, onnotice: () => {} });
const admin = new pg.Client({ connectionString: process.env.URL });
await admin.connect();
const [{ pid }] = await sql\`select pg_backend_pid() as pid\`;
const pending = sql\`select 1\`.catch(() => {});
await admin.query('select pg_terminate_backend($1)', [pid]);
await pending;
let answer = 'never';
for (let i = 0; i < 3 && answer === 'never'; i++) {
  answer = await sql\`select 3 as three\`.then((rows) => String(rows[0].three), () => 'never');
}
console.log(answer);
await admin.end();
await sql.end({ timeout: 1 });
`;

it('a connection closed while a write waited is usable again once it reconnects', async () => {
  const child = spawn(process.execPath, ['--input-type=module', '-e', POISON_SCRIPT], {
    env: { ...process.env, URL: db.url },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).toBe(0);
  expect(out.trim()).toBe('3');
}, 60_000);

/** A 1 ms statement_timeout cancels the array-types fetch, the first statement of a connection. */
const TYPES_SCRIPT = `
import postgres from 'postgres';
const sql = postgres(process.env.URL, {
  max: 1, onnotice: () => {}, connection: { statement_timeout: 1 },
});
console.log(await sql\`select 1 as one\`.then(() => 'ok', (e) => e.code));
await sql.end({ timeout: 1 });
`;

it('a connection whose array-types fetch fails fails its first query; the process lives', async () => {
  const { code, out, err } = await runScript(TYPES_SCRIPT);
  expect(err).not.toMatch(/triggerUncaughtException/);
  expect(code).toBe(0);
  expect(out.trim()).toBe('57014');
});
