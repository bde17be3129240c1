/**
 * A PgBouncer of the test's own in transaction mode (Debian's `pgbouncer`), on a free port in
 * front of the shared Postgres. As PgBouncer documents, settings a client would send at start-up
 * (statement_timeout, plan_cache_mode, jit) are the pooler's to set on its server connections:
 * it ignores them from clients and sets them itself (`connect_query`), as deploy/pgbouncer.ini.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { freePort } from '../../src/free-port.js';

const run = promisify(execFile);

export const pgbouncerBin = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((file) =>
  existsSync(file),
);

export interface OwnPgBouncer {
  readonly port: number;
  /** `url` (a database on 127.0.0.1:5432) as reached through this PgBouncer. */
  through(url: string): string;
  stop(): Promise<void>;
}

export async function startPgBouncer(): Promise<OwnPgBouncer> {
  if (!pgbouncerBin) throw new Error('pgbouncer is not installed');
  const dir = await mkdtemp(path.join(tmpdir(), 'ledgerline-pgbouncer-'));
  await chmod(dir, 0o777);
  const port = await freePort();
  const ini = path.join(dir, 'pgbouncer.ini');
  await writeFile(
    ini,
    [
      '[databases]',
      "* = host=127.0.0.1 port=5432 user=postgres connect_query='SET statement_timeout = 5000; SET plan_cache_mode = force_generic_plan; SET jit = off'",
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = any',
      'pool_mode = transaction',
      'max_client_conn = 900',
      'default_pool_size = 20',
      'ignore_startup_parameters = statement_timeout,plan_cache_mode,jit,extra_float_digits',
      `logfile = ${path.join(dir, 'log')}`,
      `pidfile = ${path.join(dir, 'pid')}`,
      '',
    ].join('\n'),
  );
  await chmod(ini, 0o644);
  // PgBouncer refuses to run as root.
  const command = userInfo().uid === 0 ? 'runuser' : pgbouncerBin;
  const args =
    userInfo().uid === 0 ? ['-u', 'postgres', '--', pgbouncerBin, '-d', ini] : ['-d', ini];
  await run(command, args);
  const through = (url: string) => {
    const parsed = new URL(url);
    parsed.host = `127.0.0.1:${port}`;
    return parsed.toString();
  };
  // Ready once it answers.
  const probe = postgres(through('postgres://postgres@127.0.0.1:5432/postgres'), {
    max: 1,
    prepare: false,
    onnotice: () => {},
  });
  for (let i = 0; ; i++) {
    try {
      await probe`select 1`;
      break;
    } catch (error) {
      if (i > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await probe.end();
  return {
    port,
    through,
    async stop() {
      const pid = Number((await readFile(path.join(dir, 'pid'), 'utf8').catch(() => '')).trim());
      if (pid) process.kill(pid, 'SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
