/**
 * The unit of work a command runs in: its writes commit together, and what they changed is
 * applied only once they have (the outbox woken for the jobs they queued, cached entities
 * evicted, the cached answers of the users whose data changed invalidated). A command reports
 * what it changed; it never touches the outbox or a cache itself.
 *
 * Generic in the transaction type, so the product's rules know no database driver; the
 * request's context and the worker's runtime each build one over their own connections.
 *
 * A command runs one unit of work at most (or calls `unchanged`): the response cache counts
 * them against a mutation's root fields to know that every field reported what it changed.
 */

import type { DomainEvent } from './events.js';

/** Entities with a cached copy: a write that changes one reports it. */
export type ChangedEntity = readonly ['user' | 'category' | 'keywords', number];

/** What a command's writes changed, reported as it makes them. */
export interface Changed {
  /** A user's data (expenses, categories, settings): their cached answers, and admins'. */
  user(id: number): void;
  /** Jobs were queued in the outbox: the relay is woken after commit. */
  jobs(): void;
  entity(entity: ChangedEntity): void;
  /** An event for live subscribers, published once the writes have committed. */
  event(event: DomainEvent): void;
}

export interface UnitOfWork<Tx> {
  /** Runs `work` in one transaction; once it has committed, applies what it reported. */
  transaction<T>(work: (tx: Tx, changed: Changed) => Promise<T>): Promise<T>;
  /** The same for work that is one statement (atomic by itself): no BEGIN/COMMIT. */
  statement<T>(work: (db: Tx, changed: Changed) => Promise<T>): Promise<T>;
  /** A command that changes no data (a log-in): nothing is invalidated for it. */
  unchanged(): void;
}

/** What a unit of work collected, for whoever applies it. */
export interface Changes {
  readonly users: Set<number>;
  jobs: boolean;
  readonly entities: ChangedEntity[];
  readonly events: DomainEvent[];
}

export function collectChanges(): { changes: Changes; changed: Changed } {
  const changes: Changes = { users: new Set(), jobs: false, entities: [], events: [] };
  return {
    changes,
    changed: {
      user: (id) => changes.users.add(id),
      jobs: () => {
        changes.jobs = true;
      },
      entity: (entity) => changes.entities.push(entity),
      event: (event) => changes.events.push(event),
    },
  };
}
