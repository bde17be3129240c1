/**
 * The unit of work of commands (domain/unit-of-work.ts) over a Drizzle handle: an API request's
 * guarded connection (its pool permit and deadline) or a job's pool. It applies what they
 * changed once their writes have committed, and counts the commands that reported their
 * changes, so the response cache can invalidate just what they changed (`afterMutation` in
 * graphql/response-cache.ts).
 */
import type { DomainEvent } from '../domain/events.js';
import { type Changes, collectChanges, type UnitOfWork } from '../domain/unit-of-work.js';
import type { Executor, RequestDb } from './client.js';

export interface CountedUnitOfWork extends UnitOfWork<Executor> {
  /** Commands that reported what they changed (or that they changed nothing). */
  readonly accounted: number;
}

/** What applies a command's changes: the cache's invalidation and the job outbox's relay. */
export interface AfterCommit {
  readonly invalidation: {
    /**
     * Evicts the changed entities and invalidates the changed users' answers everywhere. When
     * `sent`, its Redis command is already on the connection events are published on (Redis
     * runs them in order); `done` settles when it has been answered, and never rejects.
     */
    invalidate(changes: Pick<Changes, 'entities' | 'users'>): {
      readonly sent: boolean;
      readonly done: Promise<void>;
    };
  };
  readonly outbox: { nudge(): void };
  /** Where live subscribers hear committed writes (events/bus.ts); none: nobody listens. */
  readonly events?: { publish(event: DomainEvent): void } | undefined;
  /** Records where the write is in the WAL, for reads on replicas (db/write-positions.ts). */
  readonly positions?:
    | { recordAfterCommit(userIds: ReadonlySet<number>): Promise<void> }
    | undefined;
}

export function createUnitOfWork(db: RequestDb, deps: AfterCommit): CountedUnitOfWork {
  let accounted = 0;
  async function apply(changes: Changes): Promise<void> {
    if (changes.jobs) deps.outbox.nudge();
    // Before the invalidation: a read that sees the new cache versions sees this position too.
    await deps.positions?.recordAfterCommit(changes.users);
    const invalidating = deps.invalidation.invalidate(changes);
    // After the invalidation: a subscriber that reads on an event reads fresh answers. Redis
    // runs one connection's commands in order, so once the invalidation is sent the events go
    // out behind it at once, without waiting for its answer (a round trip through both event
    // loops under load).
    if (!invalidating.sent) await invalidating.done;
    for (const event of changes.events) deps.events?.publish(event);
    await invalidating.done;
  }
  async function run<T>(
    work: (db: Executor, changed: ReturnType<typeof collectChanges>['changed']) => Promise<T>,
    inTransaction: boolean,
  ): Promise<T> {
    // Counted before it runs: a command that fails changed nothing, which is known too.
    accounted++;
    const { changes, changed } = collectChanges();
    const result = inTransaction
      ? await db.transaction((tx) => work(tx, changed))
      : await work(db, changed);
    await apply(changes);
    return result;
  }
  return {
    get accounted() {
      return accounted;
    },
    transaction: (work) => run(work, true),
    statement: (work) => run(work, false),
    unchanged() {
      accounted++;
    },
  };
}
