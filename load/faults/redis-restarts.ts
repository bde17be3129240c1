/**
 * Redis killed and restarted under two gateways sharing it (cache on), with users writing and
 * reading throughout. The truth is known: each user's writes acknowledged so far.
 *
 * - A writer per user writes (createExpense) on A and B in turn and, after each acknowledged
 *   write, reads the list's total and newest row on the instance it wrote to ("own") and on the
 *   other one ("cross-instance"): anything else than the truth is stale.
 * - A reader per user beside it reads on A and B in turn: an answer with fewer rows than were
 *   acknowledged before it was asked is stale (an entry cached by a read racing a write's
 *   invalidation, served later, would be), own or cross-instance by where the last write went.
 *
 * Redis is SIGKILLed and restarted three times empty, then three times from a SAVE snapshot taken
 * before later writes (as a Redis with persistence comes back: older version counters and
 * cached answers). "Reconnecting" is from Redis's restart until both instances serve from the
 * cache again; "back" is after that.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from '@redis/client';
import {
  type Answer,
  atMost,
  errorCode,
  type Figure,
  fmt,
  type Gateway,
  gql,
  info,
  ownPostgres,
  ownRedis,
  removeAtCleanUp,
  signUp,
  startGateway,
  waitFor,
} from './harness.js';

const EXPERIMENT = '2. Redis killed and restarted under two gateways';
const USERS = 6;
/** Restarts of each kind (a race shows in some restarts, not all). */
const ROUNDS = 3;
/** Write/read cycles every user completes in a phase before the next step. */
const CYCLES = { warm: 5, outage: 4, back: 12 } as const;

const CREATE = `mutation Create($input: CreateExpenseInput!) { createExpense(input: $input) { expense { id } } }`;
const READ = `query Latest { viewer { expenses(first: 1) { totalCount nodes { id } } } }`;
/** Another query (its own cache entry) that only shows whether an instance serves from the cache. */
const PROBE = `query Probe { viewer { categories(first: 1) { totalCount } } }`;

type Phase = 'warm' | 'outage' | 'reconnecting' | 'back';
type Variant = 'empty' | 'snapshot';
type Where = 'own' | 'cross';

interface Tally {
  reads: { own: number; cross: number };
  stale: { own: number; cross: number };
  hits: number;
  samples: { own: string[]; cross: string[] };
}

const tally = (): Tally => ({
  reads: { own: 0, cross: 0 },
  stale: { own: 0, cross: 0 },
  hits: 0,
  samples: { own: [], cross: [] },
});

export async function redisRestarts(): Promise<Figure[]> {
  const pg = await ownPostgres('faults_redis');
  const dir = await mkdtemp(path.join(tmpdir(), 'ledgerline-faults-redis-'));
  removeAtCleanUp(dir);
  const redis = await ownRedis({ dir });
  const env = { REDIS_URL: redis.url, CACHE_ENABLED: 'true', WORKER_ENABLED: 'false' };
  const a = await startGateway('gateway A', pg.url, env);
  const b = await startGateway('gateway B', pg.url, env);
  const instances = [a, b] as const;

  const stamp = Date.now();
  const users = await Promise.all(
    Array.from({ length: USERS }, (_, i) => signUp(a.base, `redis-${stamp}-${i}@example.com`)),
  );
  const probe = await signUp(a.base, `redis-${stamp}-probe@example.com`);

  let variant: Variant = 'empty';
  let phase: Phase = 'warm';
  const tallies = new Map<string, Tally>();
  /** The tally of the phase a read is sent in (not the one it is answered in). */
  const tallyNow = () => {
    const key = `${variant}/${phase}`;
    let t = tallies.get(key);
    if (!t) {
      t = tally();
      tallies.set(key, t);
    }
    return t;
  };
  const judge = (t: Tally, where: Where, stale: boolean, hit: boolean, sample: () => string) => {
    t.reads[where]++;
    if (hit) t.hits++;
    if (!stale) return;
    t.stale[where]++;
    if (t.samples[where].length < 2) t.samples[where].push(sample());
  };
  const errors: string[] = [];
  let errorCount = 0;
  const failed = (what: string, answer: Answer) => {
    errorCount++;
    if (errors.length < 4) {
      errors.push(`${what} ${answer.status} ${errorCode(answer) ?? answer.text.slice(0, 80)}`);
    }
  };
  /** Cycles each writer completed in the current phase. */
  const cycles = users.map(() => 0);

  let stopped = false;
  /** Each user's writes acknowledged so far (-1: a write's outcome is unknown) and where. */
  const acked = users.map(() => ({ count: 0, on: -1 }));
  const writers = users.map(async (user, u) => {
    let truth = 0;
    let newest: string | undefined;
    for (let i = 0; !stopped; i++) {
      const writer = instances[i % 2] as Gateway;
      const written = await gql(
        writer.base,
        CREATE,
        // One date for all, so the newest row is first (DATE_DESC, then id).
        { input: { amount: '1.00', description: `r${i}`, date: '2026-01-15' } },
        user.token,
      );
      const id: string | undefined = written.json?.data?.createExpense?.expense?.id;
      if (written.status !== 200 || !id) {
        // Its outcome is unknown: reads are not judged until a good read sets the truth again.
        failed('write', written);
        truth = -1;
        acked[u] = { count: -1, on: -1 };
        continue;
      }
      if (truth >= 0) truth++;
      newest = id;
      acked[u] = { count: truth, on: i % 2 };
      for (const reader of [writer, instances[(i + 1) % 2] as Gateway]) {
        const t = tallyNow();
        const read = await gql(reader.base, READ, {}, user.token);
        const list = read.json?.data?.viewer?.expenses;
        if (read.status !== 200 || !list) {
          failed('read', read);
          continue;
        }
        if (truth < 0) {
          truth = list.totalCount;
          acked[u] = { count: truth, on: i % 2 };
          continue;
        }
        judge(
          t,
          reader === writer ? 'own' : 'cross',
          list.totalCount !== truth || list.nodes[0]?.id !== newest,
          read.headers.get('x-cache') === 'HIT',
          () =>
            `${list.totalCount} of ${truth} rows${list.nodes[0]?.id === newest ? '' : ', not the newest'}`,
        );
      }
      cycles[u] = (cycles[u] ?? 0) + 1;
    }
  });
  const readers = users.map(async (user, u) => {
    for (let i = 0; !stopped; i++) {
      const before = acked[u] ?? { count: -1, on: -1 };
      const t = tallyNow();
      const read = await gql((instances[i % 2] as Gateway).base, READ, {}, user.token);
      const list = read.json?.data?.viewer?.expenses;
      if (read.status !== 200 || !list) {
        failed('read', read);
        continue;
      }
      if (before.count < 0) continue;
      judge(
        t,
        before.on === i % 2 ? 'own' : 'cross',
        list.totalCount < before.count,
        read.headers.get('x-cache') === 'HIT',
        () => `${list.totalCount} of ≥ ${before.count} rows (beside the writes)`,
      );
    }
  });

  const enter = (next: Phase) => {
    phase = next;
    cycles.fill(0);
  };
  const cyclesDone = (n: number, what: string) =>
    waitFor(
      `${n} write/read cycles per user ${what}`,
      async () => cycles.every((c) => c >= n) || undefined,
      60_000,
    );
  /** Both instances answer a repeated query from the cache again (their channel is back). */
  const cachingAgain = async () => {
    for (const instance of instances) {
      await waitFor(
        `${instance.name} serving from the cache again`,
        async () => {
          await gql(instance.base, PROBE, {}, probe.token);
          const again = await gql(instance.base, PROBE, {}, probe.token);
          return again.headers.get('x-cache') === 'HIT' || undefined;
        },
        30_000,
        50,
      );
    }
  };
  const reconnectMs: Record<Variant, number[]> = { empty: [], snapshot: [] };
  const restart = async () => {
    enter('outage');
    await redis.stop(); // SIGKILL: no shutdown save
    await cyclesDone(CYCLES.outage, 'while Redis is down');
    enter('reconnecting');
    const started = Date.now();
    await redis.start();
    await cachingAgain();
    reconnectMs[variant].push(Date.now() - started);
    enter('back');
    await cyclesDone(CYCLES.back, 'after Redis is back');
  };

  try {
    await cachingAgain();
    for (let round = 0; round < ROUNDS; round++) {
      enter('warm');
      await cyclesDone(CYCLES.warm, 'before the restart');
      await restart();
    }
    variant = 'snapshot';
    for (let round = 0; round < ROUNDS; round++) {
      enter('warm');
      // The snapshot holds every user's versions and cached answers as of now; the cycles
      // after it move them on, so Redis comes back with older counters and entries.
      const admin = createClient({ url: redis.url });
      admin.on('error', () => {});
      await admin.connect();
      await admin.sendCommand(['SAVE']);
      await admin.close();
      await cyclesDone(CYCLES.warm, 'after the snapshot');
      await restart();
    }
  } finally {
    stopped = true;
    await Promise.all([...writers, ...readers]);
  }
  await a.stop();
  await b.stop();
  const exits = a.unexpectedExits() + b.unexpectedExits();

  const of = (variants: Variant[], phases: Phase[]) =>
    variants.flatMap((v) => phases.map((p) => tallies.get(`${v}/${p}`) ?? tally()));
  const total = (ts: Tally[], pick: (t: Tally) => number) => ts.reduce((n, t) => n + pick(t), 0);
  const samples = (ts: Tally[], where: Where[]) => {
    const all = ts.flatMap((t) => where.flatMap((w) => t.samples[w])).slice(0, 2);
    return all.length ? `; e.g. ${all.join('; ')}` : '';
  };
  const staleRow = (figure: string, ts: Tally[], where: Where) =>
    atMost(
      EXPERIMENT,
      figure,
      total(ts, (t) => t.stale[where]),
      0,
      `of ${fmt(total(ts, (t) => t.reads[where]))} reads${samples(ts, [where])}`,
    );
  const figures: Figure[] = [
    info(
      EXPERIMENT,
      'set-up',
      `2 gateways (cache on, rate limiting off) on an own Redis and Postgres; ${USERS} users, each a writer (write on A or B, then read on both) and a reader beside it; Redis SIGKILLed and restarted ${ROUNDS}× empty, then ${ROUNDS}× from an older SAVE snapshot`,
    ),
  ];
  for (const v of ['empty', 'snapshot'] as const) {
    const label = v === 'empty' ? 'restarted empty' : 'back from a snapshot';
    const back = of([v], ['back']);
    figures.push(
      staleRow(
        `${label}: stale reads of a user's own write after the restart`,
        of([v], ['reconnecting', 'back']),
        'own',
      ),
      staleRow(`${label}: cross-instance stale reads once it is back`, back, 'cross'),
      staleRow(
        `${label}: cross-instance stale reads while reconnecting (README: none)`,
        of([v], ['reconnecting']),
        'cross',
      ),
      info(
        EXPERIMENT,
        `${label}: reads served from the cache once back`,
        `${fmt(
          (100 * total(back, (t) => t.hits)) /
            Math.max(
              1,
              total(back, (t) => t.reads.own + t.reads.cross),
            ),
        )}%; both instances caching again ${reconnectMs[v]
          .map((ms) => fmt(ms))
          .join(', ')} ms after the restarts`,
      ),
    );
  }
  const outage = of(['empty', 'snapshot'], ['outage']);
  const warm = of(['empty', 'snapshot'], ['warm']);
  figures.push(
    atMost(
      EXPERIMENT,
      'stale reads while Redis was down (README: none)',
      total(outage, (t) => t.stale.own + t.stale.cross),
      0,
      `of ${fmt(total(outage, (t) => t.reads.own + t.reads.cross))} reads${samples(outage, ['own', 'cross'])}`,
    ),
    atMost(
      EXPERIMENT,
      'stale reads with Redis up, before each restart',
      total(warm, (t) => t.stale.own + t.stale.cross),
      0,
      `of ${fmt(total(warm, (t) => t.reads.own + t.reads.cross))} reads${samples(warm, ['own', 'cross'])}`,
    ),
    atMost(EXPERIMENT, 'failed writes or reads', errorCount, 0, errors.join('; ')),
    atMost(
      EXPERIMENT,
      'process exits',
      exits,
      0,
      [a.exitNote(), b.exitNote()].filter(Boolean).join('; '),
    ),
  );
  return figures;
}
