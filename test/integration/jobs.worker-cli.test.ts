/**
 * The stock graphile-worker CLI, as the README runs it (`npx graphile-worker --once`, through
 * graphile.config.js on the compiled files): it relays the jobs API processes left in the outbox,
 * runs them, and exits at once, without graphile-worker's "failed to exit naturally" warning.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';
import { CREATE_EXPENSE } from '../helpers/operations.js';

const run = promisify(execFile);
const t = useTestApp();

beforeAll(async () => {
  // graphile.config.js loads dist/: build it as npm install and npm run worker:cli do.
  await run(process.execPath, ['scripts/build.mjs']);
}, 120_000);

let sql: postgres.Sql;
beforeAll(() => {
  sql = postgres(t.databaseUrl, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await sql?.end();
});

describe('npx graphile-worker --once', () => {
  it('relays the outbox, runs every job and exits cleanly', async () => {
    // As an API process that stopped before relaying: its writes' jobs wait in the outbox.
    await t.app.infra.outbox.stop();
    const { token } = await t.signUp();
    const created = await t.gql(
      CREATE_EXPENSE,
      { input: { amount: '4.20', description: 'coffee' } },
      token,
    );
    const id = created.data?.createExpense.expense.id;
    expect(id).toEqual(expect.any(String));
    expect(Number((await sql`select count(*) from job_outbox`)[0]?.count)).toBeGreaterThan(0);

    const { stdout, stderr } = await run(
      process.execPath,
      ['node_modules/graphile-worker/dist/cli.js', '--once'],
      {
        env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: t.databaseUrl, LOG_LEVEL: 'silent' },
        timeout: 60_000,
      },
    );
    const output = `${stdout}${stderr}`;
    expect(output).toMatch(/Completed task \d+ \(suggest_category/);
    expect(output).not.toMatch(/failed to exit naturally|may indicate a bug/);
    expect(Number((await sql`select count(*) from job_outbox`)[0]?.count)).toBe(0);
    // Every job that was due ran (rollups wait out their debounce, for a later run).
    const due = await sql`select count(*) from graphile_worker.jobs where run_at <= now()`;
    expect(Number(due[0]?.count)).toBe(0);
    const dbId = Number(Buffer.from(id, 'base64').toString().split(':')[1]);
    const [expense] = await sql`select category_source from expenses where id = ${dbId}`;
    expect(expense?.category_source).toBe('SUGGESTED');
  }, 120_000);
});
