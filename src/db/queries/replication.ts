/** Statements about streaming replication: WAL positions of the primary and of replicas. */
import type { Pool } from '../client.js';

/** A WAL position (`pg_lsn`, "16/B374D848") as a number that orders like it. */
export function parseLsn(text: string): bigint {
  const [high, low] = text.split('/');
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
}

/**
 * The primary's WAL insert position: read after a commit, it is past that commit's record. Not
 * `pg_current_wal_lsn()`, the write position: with `synchronous_commit = off` a commit returns
 * before its record is written, and a replica could replay up to the write position without it
 * (a test on such a primary read a user's own sign-up as missing).
 */
export async function currentWalLsn(pool: Pool): Promise<bigint> {
  const [row] = await pool<{ lsn: string }[]>`select pg_current_wal_insert_lsn()::text as lsn`;
  return parseLsn((row as { lsn: string }).lsn);
}

export interface ReplayState {
  /** How far the replica has replayed. */
  readonly replayed: bigint;
  /** Milliseconds since the last transaction it replayed committed on the primary. */
  readonly sinceLastReplayMs: number;
}

/** Where a streaming replica's replay stands; throws when it is not a replica (not in recovery). */
export async function replayState(pool: Pool): Promise<ReplayState> {
  const [row] = await pool<{ lsn: string | null; since: number | null }[]>`
    select pg_last_wal_replay_lsn()::text as lsn,
      (extract(epoch from clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::float8
        as since`;
  if (!row?.lsn) throw new Error('not a streaming replica (pg_last_wal_replay_lsn() is null)');
  return { replayed: parseLsn(row.lsn), sinceLastReplayMs: row.since ?? 0 };
}

/**
 * The cluster's system identifier: made by initdb, shared by its streaming replicas, new for a
 * new cluster (a restore into a fresh one starts its WAL positions again).
 */
export async function systemIdentifier(pool: Pool): Promise<string> {
  const [row] = await pool<{ id: string }[]>`
    select system_identifier::text as id from pg_control_system()`;
  return (row as { id: string }).id;
}
