/**
 * Postgres restarted 10 times under load with jobs running. A gateway (with its in-process
 * worker, the default start) and a separate worker process run on a Postgres of the
 * experiment's own; thousands of chat messages are queued first, and several users keep sending
 * messages, expense writes, dashboard reads and export downloads throughout. Between restarts the suite waits for
 * progress (jobs finished and a request served since Postgres came back), never for a fixed time.
 *
 * A chat message is a job whose effect can be counted: it becomes one expense whose description
 * carries the message's unique reference. Lost: an acknowledged message with no expense, or a
 * job record that never succeeded; doubled: a reference with two or more expenses. Its
 * expense then queues a category suggestion and a rollup, whose effects are checked too (no
 * expense left PENDING, every day's rollup equal to its expenses).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/free-port.js';
import {
  type Answer,
  atMost,
  errorCode,
  type Figure,
  fmt,
  gql,
  harnessSql,
  info,
  leaks,
  ownPostgres,
  retrying,
  send,
  signUp,
  startGateway,
  startWorker,
  supervise,
  waitFor,
} from './harness.js';

const EXPERIMENT = '1. Postgres restarted 10× under load, jobs running';
const RESTARTS = 10;
const USERS = 6;
/** Messages queued before the first restart, so thousands of jobs are waiting and running. */
const BACKLOG = 3000;
/** Chat jobs that must finish after each restart before the next one. */
const PROGRESS_JOBS = 100;

const CREATE_EXPENSE = `mutation Create($input: CreateExpenseInput!) {
  createExpense(input: $input) { expense { id } } }`;
const DASHBOARD = `query Dashboard { viewer { expenses(first: 10) { totalCount nodes { id description } } } }`;

type Kind = 'chat' | 'write' | 'read' | 'download';

interface Load {
  /** Requests by HTTP status (0: no response at all). */
  readonly statuses: Map<number, number>;
  ok: number;
  /** 503 with Retry-After and SERVICE_UNAVAILABLE: what an outage must answer. */
  unavailable: number;
  /** Failed any other way, counted by kind, status and code. */
  bad: number;
  readonly badKinds: Map<string, { n: number; maxMs: number }>;
  /** Answers whose body holds a stack trace or SQL text. */
  leaks: number;
  /** References the gateway acknowledged (202 / a created expense), by kind. */
  readonly acked: { chat: Set<string>; write: Set<string> };
  /** References sent but answered with an error: their commit is unknown (0 or 1 expense). */
  readonly unknown: Set<string>;
}

function newLoad(): Load {
  return {
    statuses: new Map(),
    ok: 0,
    unavailable: 0,
    bad: 0,
    badKinds: new Map(),
    leaks: 0,
    acked: { chat: new Set(), write: new Set() },
    unknown: new Set(),
  };
}

function record(load: Load, kind: Kind, answer: Answer): boolean {
  load.statuses.set(answer.status, (load.statuses.get(answer.status) ?? 0) + 1);
  if (leaks(answer.text)) load.leaks++;
  const graphqlOk = answer.status === 200 && answer.json && !answer.json.errors;
  const ok =
    kind === 'chat'
      ? answer.status === 202
      : kind === 'download'
        ? answer.status === 404 && errorCode(answer) === 'NOT_FOUND'
        : graphqlOk;
  if (ok) {
    load.ok++;
    return true;
  }
  if (
    answer.status === 503 &&
    answer.headers.get('retry-after') !== null &&
    errorCode(answer) === 'SERVICE_UNAVAILABLE'
  ) {
    load.unavailable++;
  } else {
    load.bad++;
    const what =
      answer.status === 0
        ? `no answer (${answer.text.split(' ').at(-1)})`
        : `${answer.status} ${errorCode(answer) ?? answer.text.split('\n')[0]?.slice(0, 40)}${answer.headers.get('retry-after') === null ? '' : ' with Retry-After'}`;
    const key = `${kind}: ${what}`;
    const seen = load.badKinds.get(key) ?? { n: 0, maxMs: 0 };
    load.badKinds.set(key, { n: seen.n + 1, maxMs: Math.max(seen.maxMs, answer.ms) });
  }
  return false;
}

/** "kind: what ×n (slowest)" pairs, most frequent first. */
function breakdown(kinds: Load['badKinds']): string {
  return [...kinds.entries()]
    .sort(([, a], [, b]) => b.n - a.n)
    .map(([what, { n, maxMs }]) => `${what} ×${fmt(n)} (slowest ${fmt(maxMs)} ms)`)
    .join('; ');
}

let references = 0;
const nextReference = (prefix: 'c' | 'w') => `${prefix}${++references}`;

async function chat(base: string, token: string, load: Load): Promise<boolean> {
  const ref = nextReference('c');
  const answer = await send(`${base}/webhooks/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ text: `coffee 3.50 ref ${ref}` }),
  });
  const ok = record(load, 'chat', answer);
  (ok ? load.acked.chat : load.unknown).add(ref);
  return ok;
}

async function write(base: string, token: string, load: Load): Promise<boolean> {
  const ref = nextReference('w');
  // No category: each write queues a suggestion job (through the outbox) and a rollup.
  const answer = await gql(
    base,
    CREATE_EXPENSE,
    { input: { amount: '2.00', description: `lunch ref ${ref}` } },
    token,
  );
  const ok = record(load, 'write', answer);
  (ok ? load.acked.write : load.unknown).add(ref);
  return ok;
}

/** An export nobody has: 404 NOT_FOUND normally, and the route still reads the database. */
async function download(base: string, token: string, load: Load): Promise<boolean> {
  const answer = await send(
    `${base}/exports/${Buffer.from('Export:999999').toString('base64')}/download`,
    {
      headers: { authorization: `Bearer ${token}` },
    },
  );
  return record(load, 'download', answer);
}

async function read(base: string, token: string, load: Load): Promise<boolean> {
  return record(load, 'read', await gql(base, DASHBOARD, {}, token));
}

/** One user's traffic until `stop()`: chat, read, write, read, download, …; a short pause after a failure. */
function runUser(base: string, token: string, load: Load) {
  let stopped = false;
  const done = (async () => {
    for (let i = 0; !stopped; i++) {
      const step = i % 5;
      const ok = await (step === 0
        ? chat(base, token, load)
        : step === 2
          ? write(base, token, load)
          : step === 4
            ? download(base, token, load)
            : read(base, token, load));
      // Pacing, so the load is steady rather than a flood: about 25 requests/s per user.
      await sleep(ok ? 40 : 100);
    }
  })();
  return {
    stop: () => {
      stopped = true;
      return done;
    },
  };
}

/** The error line of a crashed process's output (Node prints it after the source line). */
function crashLine(tail = ''): string {
  const lines = tail.split('\n');
  const error = lines.find((line) => /^\w*Error\b/.test(line));
  const at = lines.find((line) => /^\s+at /.test(line));
  return `${error ?? lines.at(-1) ?? ''}${at ? ` ${at.trim()}` : ''}`;
}

export async function postgresRestarts(): Promise<Figure[]> {
  const pg = await ownPostgres('faults_restart');
  // The default start: the API with a worker inside it; and `npm run worker` beside it. A
  // crashed one is replaced (on the same port), as a supervisor would, so the figures still
  // show what a crash cost.
  const port = await freePort();
  const gateway = await supervise(() => startGateway('gateway', pg.url, {}, port));
  const base = gateway.current().base;
  const worker = await supervise(() => startWorker('worker', pg.url));
  const processes = { gateway, worker };
  const sql = harnessSql(pg.url);

  const stamp = Date.now();
  const users: string[] = [];
  for (let i = 0; i < USERS; i++) {
    users.push((await signUp(base, `restart-${stamp}-${i}@example.com`)).token);
  }
  const load = newLoad();

  console.log(`  queueing ${fmt(BACKLOG)} chat messages…`);
  for (let sent = 0; sent < BACKLOG; sent += 25) {
    await Promise.all(
      Array.from({ length: 25 }, (_, i) => chat(base, users[i % USERS] as string, load)),
    );
  }
  const succeeded = () =>
    retrying(async () => {
      const [row] = await sql<{ n: number }[]>`
        select count(*)::int as n from jobs where kind = 'parse_chat_message' and state = 'SUCCEEDED'`;
      return row?.n ?? 0;
    });

  const traffic = users.map((token) => runUser(base, token, load));
  const outages: number[] = [];
  let noOutageSeen = 0;
  const waitForProgress = async (label: string) => {
    const jobsBefore = await succeeded();
    const okBefore = load.ok;
    let jobs = jobsBefore;
    await waitFor(
      `progress ${label}: ${PROGRESS_JOBS} chat jobs done and a request served`,
      async () => {
        jobs = await succeeded();
        return load.ok > okBefore && jobs >= jobsBefore + PROGRESS_JOBS ? true : undefined;
      },
      120_000,
      100,
    ).catch((error: Error) => {
      throw new Error(
        `${error.message} (chat jobs done ${jobsBefore} -> ${jobs}; requests served ${okBefore} -> ${load.ok}, 503 ${load.unavailable}, other failures ${load.bad}: ${breakdown(load.badKinds)})`,
      );
    });
  };
  try {
    for (let restart = 1; restart <= RESTARTS; restart++) {
      await waitForProgress(`before restart ${restart}`);
      const failedBefore = load.unavailable + load.bad;
      const down = Date.now();
      await pg.stop();
      // Down until the users have met the outage (a failed request), so every restart is seen.
      await waitFor(
        'a request failing while Postgres is down',
        async () => (load.unavailable + load.bad > failedBefore ? true : undefined),
        10_000,
        20,
      ).catch(() => {
        noOutageSeen++;
      });
      await pg.start();
      outages.push(Date.now() - down);
      process.stdout.write(`  restart ${restart}/${RESTARTS} (${Date.now() - down} ms down)\n`);
    }
    await waitForProgress('after the last restart');
  } finally {
    await Promise.all(traffic.map((user) => user.stop()));
  }

  // Drained: no job that may still run is left (permanently failed ones stay in the table and
  // are counted as lost below), and the outbox has been relayed.
  const loadEnded = Date.now();
  const pending = () =>
    retrying(async () => {
      const [row] = await sql<{ jobs: number; outbox: number }[]>`
        select (select count(*)::int from graphile_worker.jobs where attempts < max_attempts) as jobs,
               (select count(*)::int from job_outbox) as outbox`;
      return row ?? { jobs: -1, outbox: -1 };
    });
  let drained = true;
  await waitFor(
    'the job queue to drain',
    async () => {
      const left = await pending();
      return left.jobs === 0 && left.outbox === 0 ? true : undefined;
    },
    150_000,
    250,
  ).catch(() => {
    drained = false;
  });
  const drainMs = Date.now() - loadEnded;

  const counts = new Map<string, number>();
  for (const row of await sql<{ ref: string; n: number }[]>`
    select substring(description from 'ref ([cw][0-9]+)$') as ref, count(*)::int as n
    from expenses group by 1`) {
    counts.set(row.ref, row.n);
  }
  const missing = (refs: Set<string>) => [...refs].filter((ref) => !counts.get(ref)).length;
  const doubled = [...counts.entries()].filter(([ref, n]) => ref !== null && n > 1).length;
  const [state] = await sql<
    {
      unfinished: number;
      failed_jobs: number;
      pending: number;
      outbox: number;
      rollup_off: number;
      queued_left: number;
    }[]
  >`select
      (select count(*)::int from jobs where kind = 'parse_chat_message' and state <> 'SUCCEEDED') as unfinished,
      (select count(*)::int from graphile_worker.jobs where attempts >= max_attempts) as failed_jobs,
      (select count(*)::int from expenses where category_source = 'PENDING') as pending,
      (select count(*)::int from job_outbox) as outbox,
      (select count(*)::int from graphile_worker.jobs where attempts < max_attempts) as queued_left,
      (select count(*)::int from (
        select user_id, expense_date as day, count(*)::int as n, sum(amount) as total
        from expenses group by 1, 2
      ) live full join (
        select user_id, day, sum(count)::int as n, sum(total) as total
        from daily_metrics group by 1, 2
      ) rolled using (user_id, day)
      where live.n is distinct from rolled.n or live.total is distinct from rolled.total
    ) as rollup_off`;
  const s = state ?? {
    unfinished: -1,
    failed_jobs: -1,
    pending: -1,
    outbox: -1,
    rollup_off: -1,
    queued_left: -1,
  };
  const chatMissing = missing(load.acked.chat);
  const writesMissing = missing(load.acked.write);
  // What the message jobs that never succeeded look like (state, attempts, error, expense made).
  const unfinished = await sql<{ what: string; n: number }[]>`
    select format('%s after %s attempts%s%s', state, attempts,
                  case when result ? 'expenseDbId' then ', its expense made' else '' end,
                  coalesce(': ' || last_error, '')) as what,
           count(*)::int as n
    from jobs where kind = 'parse_chat_message' and state <> 'SUCCEEDED'
    group by 1 order by 2 desc limit 3`;
  const lostChat = Math.max(chatMissing, s.unfinished);
  const lost = lostChat + s.pending + s.rollup_off + s.outbox + s.queued_left;

  const exits = gateway.exits() + worker.exits();
  const exitDetail = Object.entries(processes)
    .filter(([, p]) => p.exits() > 0)
    .map(([name, p]) => `${name} ${p.exits()}× (replaced), first: ${crashLine(p.crashes[0])}`)
    .join('; ');
  await gateway.stop();
  await worker.stop();

  const statuses = [...load.statuses.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status === 0 ? 'no answer' : status}: ${fmt(n)}`)
    .join(', ');
  const total = [...load.statuses.values()].reduce((a, b) => a + b, 0);
  const figures: Figure[] = [
    info(
      EXPERIMENT,
      'set-up',
      `gateway with its worker + a worker process on an own Postgres; ${USERS} users; ${fmt(
        BACKLOG,
      )} messages queued first; ${RESTARTS} restarts, down ${Math.min(...outages)}-${Math.max(
        ...outages,
      )} ms each; rate limiting off`,
    ),
    atMost(EXPERIMENT, 'process exits', exits, 0, exitDetail),
    info(EXPERIMENT, 'requests by status', `${fmt(total)} requests: ${statuses}`),
    atMost(
      EXPERIMENT,
      'failed requests not 503 + Retry-After + SERVICE_UNAVAILABLE',
      load.bad,
      0,
      `of ${fmt(load.bad + load.unavailable)} failed${load.bad ? `: ${breakdown(load.badKinds)}` : ''}`,
    ),
    atMost(EXPERIMENT, 'answers with a stack trace or SQL text in the body', load.leaks),
    atMost(
      EXPERIMENT,
      'restarts no request noticed',
      noOutageSeen,
      0,
      'each outage must be met by the load',
    ),
    info(
      EXPERIMENT,
      'jobs',
      `${fmt(load.acked.chat.size)} chat messages acknowledged, ${fmt(
        load.acked.write.size,
      )} writes acknowledged, ${fmt(load.unknown.size)} sent and refused`,
    ),
    atMost(
      EXPERIMENT,
      'jobs lost',
      lost,
      0,
      `acknowledged messages without expense ${chatMissing}, message jobs not SUCCEEDED ${s.unfinished}${unfinished.length ? ` (${unfinished.map((u) => `${u.n} ${u.what}`).join('; ')})` : ''}, expenses left PENDING ${s.pending}, days whose rollup is off ${s.rollup_off}, outbox rows left ${s.outbox}, jobs still queued ${s.queued_left}; permanently failed jobs ${s.failed_jobs}`,
    ),
    atMost(EXPERIMENT, 'jobs doubled (a reference with 2+ expenses)', doubled),
    atMost(EXPERIMENT, 'acknowledged expense writes missing', writesMissing),
    {
      experiment: EXPERIMENT,
      figure: 'time to drain the queue after the load',
      target: '≤ 150 s (bound)',
      result: drained ? `${fmt(drainMs / 1000, 1)} s` : `not drained in ${fmt(drainMs / 1000)} s`,
      passed: drained,
    },
  ];
  return figures;
}
