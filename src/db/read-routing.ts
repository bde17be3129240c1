/**
 * Where a query's reads go when replicas are configured: to a replica in rotation that has
 * replayed the viewer's last write (waiting up to REPLICA_WAIT_MS for one), else to the primary.
 * Decided once per operation, before its first statement, from the tracker's last poll and one
 * Redis read of the viewer's write position.
 */
import type { Metrics } from '../metrics.js';
import type { GuardedSql } from './guarded-sql.js';
import type { ReplicaSet } from './replicas.js';
import type { WritePositions } from './write-positions.js';

export type RouteReads = (
  viewer: { readonly id: number; readonly role: string } | null,
  guard: GuardedSql,
) => Promise<void>;

export function createReadRouting(
  replicas: { readonly set: ReplicaSet; readonly positions: WritePositions },
  waitMs: number,
  metrics: Pick<Metrics, 'reads' | 'replicaFallbacks' | 'replicaWaits'>,
): RouteReads {
  const { set, positions } = replicas;
  const primary = (reason: string) => {
    metrics.replicaFallbacks.inc({ reason });
    metrics.reads.inc({ target: 'primary' });
  };
  return async (viewer, guard) => {
    const required = await positions.required(viewer);
    if (required === undefined) return primary('position_unknown');
    let replica = set.pick(required);
    if (!replica) {
      if (!set.states().some((state) => state.inRotation)) return primary('none_in_rotation');
      if (waitMs > 0) {
        replica = await set.waitFor(required, waitMs);
        metrics.replicaWaits.inc({ outcome: replica ? 'caught_up' : 'timed_out' });
      }
      if (!replica) return primary('behind');
    }
    guard.readFrom(replica.pool);
    metrics.reads.inc({ target: 'replica' });
  };
}
