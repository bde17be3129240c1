/**
 * Read replicas' cost and use, on a primary and a streaming replica of this script's own
 * (`initdb` + `pg_basebackup -R` under /tmp, the machine's Postgres binaries; both share this
 * machine's cores with the gateways and the load generator):
 *   1. The dashboard (uncached, one user's first 20 expenses with their categories) on a gateway
 *      without replicas (A) and one with DATABASE_REPLICA_URLS (B), interleaved A, B, A, B…:
 *      requests per second and B/A. Target: B within 5% of A.
 *   2. The load suite's mixed scenario (60% creates, 40% dashboards, one user) on B: the
 *      fraction of its queries' reads the replica served (db_reads_total by target).
 *
 *   npx tsx load/replicas.ts [--rounds 3] [--seconds 5]
 */
import { parseArgs } from 'node:util';
import { postgresBin, startReplicatedPostgres } from '../test/helpers/replicated-postgres.js';
import { account, addExpenses, firstCategoryId } from './fixtures.js';
import { type Gateway, killGateways, startGateway } from './gateway.js';
import { measure, warmUp } from './measure.js';
import { mixedBody } from './mixed.js';
import { DASHBOARD } from './queries.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '20' },
  },
});
if (!postgresBin()) {
  console.error('No Postgres binaries under /usr/lib/postgresql: this benchmark starts its own.');
  process.exit(2);
}
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const connections = Number(values.connections);

const readsBy = async (gateway: Gateway) => {
  const text = await (await fetch(`${gateway.base}/metrics`)).text();
  const value = (target: string) =>
    Number(new RegExp(`^db_reads_total\\{target="${target}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { primary: value('primary'), replica: value('replica') };
};

console.log('Starting a primary and a streaming replica…');
const pg = await startReplicatedPostgres('ledgerline_replicas_load');
try {
  const common = { CACHE_ENABLED: 'false' };
  const [a, b] = await Promise.all([
    startGateway(pg.primaryUrl, common),
    startGateway(pg.primaryUrl, { ...common, DATABASE_REPLICA_URLS: pg.replicaUrl }),
  ]);
  const token = await account(a.base, 'load-reader-replicas@example.com', 'Reader');
  const category = await firstCategoryId(a.base, token);
  await addExpenses(a.base, token, 500, category);
  // The replica has the rows before anything is measured.
  await new Promise((resolve) => setTimeout(resolve, 1000));

  const spec = {
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: DASHBOARD }),
  };
  // Both warmed up first (JIT, prepared statements, the replica's pages).
  await warmUp(a.base, spec, connections, 3);
  await warmUp(b.base, spec, connections, 3);
  const figures: { a: number[]; b: number[] } = { a: [], b: [] };
  const stage = [{ connections, seconds }];
  for (let round = 1; round <= rounds; round++) {
    for (const [label, gateway] of [
      ['a', a],
      ['b', b],
    ] as const) {
      const m = await measure(gateway.base, `dashboard ${label}`, 'replicas', spec, stage, {
        pids: gateway.pids(),
      });
      if (m.errorCount > 0) throw new Error(`errors: ${JSON.stringify(m.errors)}`);
      figures[label].push(m.reqPerSec);
      console.log(
        `round ${round} ${label === 'a' ? 'A (no replicas)  ' : 'B (with a replica)'}: ${Math.round(m.reqPerSec)} req/s, p95 ${m.p95} ms, CPU ${m.cpuMsPerRequest?.toFixed(2)} ms/request`,
      );
    }
  }
  const sum = (list: number[]) => list.reduce((x, y) => x + y, 0);
  const reads = await readsBy(b);
  console.log(
    `Dashboard, B/A over ${rounds} interleaved rounds: ${(sum(figures.b) / sum(figures.a)).toFixed(3)} (target ≥ 0.95); B's reads: ${reads.replica} on the replica, ${reads.primary} on the primary`,
  );

  const before = await readsBy(b);
  const mixed = await measure(
    b.base,
    'mixed on B',
    'replicas',
    { headers: spec.headers, next: mixedBody(category) },
    [{ connections: 30, seconds: seconds * 2 }],
  );
  const after = await readsBy(b);
  const onReplica = after.replica - before.replica;
  const onPrimary = after.primary - before.primary;
  console.log(
    `Mixed scenario on B: ${Math.round(mixed.reqPerSec)} req/s, ${mixed.errorCount} errors; its queries read from the replica ${onReplica} times and from the primary ${onPrimary} (${((100 * onReplica) / Math.max(1, onReplica + onPrimary)).toFixed(1)}% on the replica)`,
  );
  await Promise.all([a.stop(), b.stop()]);
} finally {
  killGateways();
  await pg.remove();
}
