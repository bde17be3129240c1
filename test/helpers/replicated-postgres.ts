/**
 * A primary and a streaming replica of the test's own (the machine's Postgres binaries, `initdb`
 * under /tmp, free ports; the replica made with `pg_basebackup -R`), so a test can delay or pause
 * the replica's replay without touching the shared server. Run as the `postgres` user when the
 * tests run as root (Postgres refuses to run as root).
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { appendFile, chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { freePort } from '../../src/free-port.js';

const run = promisify(execFile);

export interface ReplicatedPostgres {
  /** URLs of `database` on the primary and on the replica. */
  readonly primaryUrl: string;
  readonly replicaUrl: string;
  /** A client on the replica, as the superuser (replay control, its statistics). */
  readonly replica: postgres.Sql;
  readonly primary: postgres.Sql;
  /** `recovery_min_apply_delay` on the replica (0: none). */
  setApplyDelay(ms: number): Promise<void>;
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Statements the replica has run in `database` (transactions committed there). */
  replicaTransactions(): Promise<number>;
  remove(): Promise<void>;
}

/** The newest installed Postgres's binaries (Debian's layout), or undefined. */
export function postgresBin(): string | undefined {
  try {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    return versions[0] ? path.join('/usr/lib/postgresql', versions[0], 'bin') : undefined;
  } catch {
    return undefined;
  }
}

export async function startReplicatedPostgres(database: string): Promise<ReplicatedPostgres> {
  const bin = postgresBin();
  if (!bin) throw new Error('no Postgres binaries under /usr/lib/postgresql');
  const root = userInfo().uid === 0;
  const as = (command: string, args: string[]) =>
    root
      ? run('runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args])
      : run(path.join(bin, command), args);
  const dir = await mkdtemp(path.join(tmpdir(), `ledgerline-replicas-${database}-`));
  await chmod(dir, 0o755);
  if (root) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: group } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(group.trim()));
  }
  const primaryDir = path.join(dir, 'primary');
  const replicaDir = path.join(dir, 'replica');
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  await as('initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '-N', '-E', 'UTF8']);
  await appendFile(
    path.join(primaryDir, 'postgresql.conf'),
    [
      `port = ${primaryPort}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'max_wal_senders = 4',
      'wal_level = replica',
      '',
    ].join('\n'),
  );
  const start = (dataDir: string) =>
    as('pg_ctl', ['-D', dataDir, '-l', path.join(dataDir, 'log'), '-w', '-t', '60', 'start']);
  await start(primaryDir);
  await as('pg_basebackup', [
    ...['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres'],
    ...['-D', replicaDir, '-R', '-X', 'stream'],
  ]);
  await appendFile(
    path.join(replicaDir, 'postgresql.auto.conf'),
    `port = ${replicaPort}\nhot_standby = on\n`,
  );
  await start(replicaDir);
  const admin = postgres(`postgres://postgres@127.0.0.1:${primaryPort}/postgres`, {
    max: 1,
    onnotice: () => {},
  });
  await admin.unsafe(`create database ${database}`);
  await admin.end();
  const primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/${database}`;
  const replicaUrl = `postgres://postgres@127.0.0.1:${replicaPort}/${database}`;
  const replicaAdmin = postgres(`postgres://postgres@127.0.0.1:${replicaPort}/postgres`, {
    max: 1,
    onnotice: () => {},
  });
  // The new database reaches the replica by replay.
  for (let i = 0; ; i++) {
    const [row] = await replicaAdmin`select 1 from pg_database where datname = ${database}`;
    if (row) break;
    if (i > 600) throw new Error('the replica never replayed the new database');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const primary = postgres(primaryUrl, { max: 2, onnotice: () => {} });
  const reload = async () => {
    await replicaAdmin`select pg_reload_conf()`;
  };
  return {
    primaryUrl,
    replicaUrl,
    primary,
    replica: replicaAdmin,
    async setApplyDelay(ms) {
      await replicaAdmin.unsafe(
        `alter system set recovery_min_apply_delay = '${Math.round(ms)}ms'`,
      );
      await reload();
    },
    async pauseReplay() {
      await replicaAdmin`select pg_wal_replay_pause()`;
    },
    async resumeReplay() {
      await replicaAdmin`select pg_wal_replay_resume()`;
    },
    async replicaTransactions() {
      const [row] = await replicaAdmin<{ n: string }[]>`
        select pg_stat_get_db_xact_commit(oid)::text as n from pg_database
        where datname = ${database}`;
      return Number(row?.n ?? 0);
    },
    async remove() {
      // Bounded: a client still waiting on a server must not keep the servers running.
      await Promise.all([primary.end({ timeout: 1 }), replicaAdmin.end({ timeout: 1 })]).catch(
        () => {},
      );
      for (const dataDir of [replicaDir, primaryDir]) {
        await as('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
