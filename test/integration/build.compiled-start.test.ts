/**
 * The compiled build, the way `npm start` runs it: scripts/build.mjs into an outdir of its own,
 * then plain `node <outdir>/main.js` (no TypeScript loader) on a fresh database, with its worker
 * (the crontab) and migrations (the drizzle folder) found from the compiled files. It answers
 * /ready, a sign-up, a write and a query over HTTP, and exits 0 on SIGTERM: on the Node running
 * the tests, and on Node 22 LTS, what the Docker image runs (fetched from the npm registry's
 * `node` package, as `npm exec` does).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../../load/graphql-client.js';
import { freePort } from '../../src/free-port.js';
import { createTestDatabase } from '../helpers/database.js';

// In the repository root, next to src/, like dist/ (paths such as ../../drizzle hold from it).
const outdir = `dist-test-${randomBytes(4).toString('hex')}`;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let child: ChildProcess | undefined;

/** The LTS the image runs on. */
const LTS_MAJOR = 22;
let ltsNode = '';

beforeAll(async () => {
  db = await createTestDatabase();
  await promisify(execFile)(process.execPath, ['scripts/build.mjs', '--outdir', outdir]);
  const npm = process.env.npm_execpath;
  const [command, prefix] = npm ? [process.execPath, [npm]] : ['npm', []];
  const { stdout } = await promisify(execFile)(
    command,
    [
      ...prefix,
      'exec',
      '--yes',
      `--package=node@${LTS_MAJOR}`,
      '--',
      'node',
      '-p',
      'process.execPath',
    ],
    { timeout: 240_000 },
  );
  ltsNode = stdout.trim().split('\n').at(-1) ?? '';
}, 300_000);
/** A production server's environment on `port` and the test's database. */
function serverEnv(port: number, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // Nothing that could register a TypeScript loader: the compiled files run on their own.
    NODE_OPTIONS: '',
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.url,
    PORT: String(port),
    JWT_SECRET: 'test-secret-test-secret-test-secret!',
    CACHE_ENABLED: 'false',
    ...extra,
  };
}

/** Process groups to kill after the tests (npm and whatever it started). */
const groups: number[] = [];

afterAll(async () => {
  child?.kill('SIGKILL');
  for (const group of groups) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(outdir, { recursive: true, force: true });
  await db?.drop();
});

describe('npm run build', () => {
  it('compiles src/ into a tree of JavaScript that mirrors it', () => {
    expect(existsSync(`${outdir}/main.js`)).toBe(true);
    expect(existsSync(`${outdir}/main.js.map`)).toBe(true);
    expect(existsSync(`${outdir}/db/migrate.js`)).toBe(true);
    expect(existsSync(`${outdir}/jobs/worker-main.js`)).toBe(true);
    expect(existsSync(`${outdir}/jobs/tasks/rollup_user.js`)).toBe(true);
  });

  it.each([
    ['the Node running the tests', () => process.execPath],
    [`Node ${LTS_MAJOR} LTS`, () => ltsNode],
  ])(
    'node <outdir>/main.js on %s serves the API and exits 0 on SIGTERM',
    async (_, node) => {
      if (node() === ltsNode) {
        const { stdout } = await promisify(execFile)(ltsNode, ['--version']);
        expect(stdout).toMatch(new RegExp(`^v${LTS_MAJOR}\\.`));
      }
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      // One database for both runs: a user of each.
      const email = `compiled-${port}@example.com`;
      const server = spawn(node(), [`${outdir}/main.js`], {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: serverEnv(port, { RATE_LIMIT_ENABLED: 'false' }),
      });
      child = server;
      const exited = new Promise<number | null>((resolve) =>
        server.once('exit', (code) => resolve(code)),
      );
      let gone = false;
      void exited.then(() => {
        gone = true;
      });

      // Until /ready answers 200 or the process exits (a start-up failure fails here, not later).
      for (;;) {
        if (gone) throw new Error(`the server exited during start-up (code ${await exited})`);
        const ready = await fetch(`${base}/ready`).then(
          (response) => response.ok,
          () => false,
        );
        if (ready) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }

      // biome-ignore lint/suspicious/noExplicitAny: answers are untyped JSON, as a client sees them
      const gql = (query: string, variables?: object, token?: string): Promise<any> =>
        post(base, query, variables, token);
      const signUp = await gql(
        'mutation($input: SignUpInput!) { signUp(input: $input) { token user { email } } }',
        { input: { email, name: 'Compiled', password: 'password123' } },
      );
      expect(signUp.errors).toBeUndefined();
      expect(signUp.data.signUp.user.email).toBe(email);
      const token: string = signUp.data.signUp.token;
      const created = await gql(
        'mutation($input: CreateExpenseInput!) { createExpense(input: $input) { expense { id } } }',
        { input: { amount: '12.50', description: 'compiled lunch' } },
        token,
      );
      expect(created.errors).toBeUndefined();
      const viewer = await gql(
        '{ viewer { email expenses(first: 5) { totalCount nodes { amount description } } } }',
        undefined,
        token,
      );
      expect(viewer).toEqual({
        data: {
          viewer: {
            email,
            expenses: {
              totalCount: 1,
              nodes: [{ amount: '12.50', description: 'compiled lunch' }],
            },
          },
        },
      });

      server.kill('SIGTERM');
      expect(await exited).toBe(0);
    },
    120_000,
  );

  it('npm start: a SIGTERM to npm reaches the server, which drains and exits', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // npm itself, as an operator's process manager starts it (npm_execpath when run under npm).
    const npm = process.env.npm_execpath;
    const [command, args] = npm ? [process.execPath, [npm, 'start']] : ['npm', ['start']];
    // A process group of its own: the signal under test goes to npm alone, and the cleanup
    // below can still reach whatever npm started should that signal not.
    const started = spawn(command, args, {
      detached: true,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: serverEnv(port, { WORKER_ENABLED: 'false' }),
    });
    child = started;
    groups.push(started.pid as number);
    const ready = () =>
      fetch(`${base}/ready`).then(
        (response) => response.ok,
        () => false,
      );
    for (let i = 0; !(await ready()); i++) {
      if (started.exitCode !== null) throw new Error('npm start exited during start-up');
      if (i > 1200) throw new Error('npm start did not become ready');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    started.kill('SIGTERM');
    // The server (npm's child) must stop too: its port closes.
    const closed = async () => {
      for (let i = 0; i < 600; i++) {
        const up = await fetch(`${base}/health`).then(
          () => true,
          () => false,
        );
        if (!up) return true;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return false;
    };
    expect(await closed()).toBe(true);
  }, 120_000);
});
