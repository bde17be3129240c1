/**
 * 10,000 hostile requests (hostile-cases.ts, seeded: FAULTS_SEED replays a run) against a gateway
 * in production mode with introspection on (so its abuse reaches the resolvers) and rate
 * limiting off (the figures measure robustness, not limiting), its worker running the chat
 * messages they queue. Targets: no status of 500 or more, no stack trace or SQL in any body, no
 * event-loop stall over 100 ms, measured from outside (probe.ts, its own process: /health every
 * 20 ms, and the gateway's own event-loop delay from /metrics every second).
 */
import { SignJWT } from 'jose';
import {
  atMost,
  type Figure,
  fmt,
  gql,
  harnessSql,
  info,
  JWT_SECRET,
  leaks,
  ownPostgres,
  signUp,
  spawnNode,
  startGateway,
  waitFor,
} from './harness.js';
import { generateHostileRequests, type HostileRequest, type Identities } from './hostile-cases.js';
import type { ProbeFigures } from './probe.js';

const EXPERIMENT = '4. 10,000 hostile requests';
const COUNT = 10_000;
const CONCURRENCY = 8;
const STALL_MS = 100;

async function forgedTokens(userSub: string): Promise<string[]> {
  const key = new TextEncoder().encode(JWT_SECRET);
  const now = Math.floor(Date.now() / 1000);
  const signed = (claims: Record<string, unknown>, sub: string | undefined, secret = key) => {
    const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' });
    if (sub !== undefined) jwt.setSubject(sub);
    return jwt.sign(secret);
  };
  const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  return [
    'Bearer x.y.z',
    'Bearer ',
    'Basic YTpi',
    'bearer    ',
    `Bearer ${'a'.repeat(10_000)}`,
    // Unsigned (alg none) with the user's subject.
    `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: userSub, role: 'admin', exp: now + 3600 })}.`,
    `Bearer ${await signed({ role: 'admin', exp: now + 3600 }, userSub, new TextEncoder().encode('not-the-secret-not-the-secret-not!!'))}`,
    `Bearer ${await signed({ role: 'user', exp: now + 3600 }, 'garbage')}`,
    `Bearer ${await signed({ role: 'user', exp: now + 3600 }, b64('User:999999999'))}`,
    `Bearer ${await signed({ role: 'user', exp: now + 3600 }, b64('Expense:1'))}`,
    `Bearer ${await signed({ role: 'user', exp: now + 3600 }, b64('User:-1'))}`,
    `Bearer ${await signed({ role: 'superuser', exp: now + 3600 }, userSub)}`,
    `Bearer ${await signed({ role: 'admin', exp: now + 3600 }, userSub)}`,
    `Bearer ${await signed({ role: 'user' }, userSub)}`,
    `Bearer ${await signed({ role: 'user', exp: now - 60 }, userSub)}`,
    `Bearer ${await signed({ role: 'user', exp: now + 3600, iat: 99_999_999_999 }, userSub)}`,
    `Bearer ${await signed({ role: 'user', exp: now + 3600 }, 'x'.repeat(10_000))}`,
  ];
}

interface Tally {
  requests: number;
  /** Time to the whole answer, summed, and the slowest request with its label. */
  ms: number;
  slowest: { ms: number; label: string };
  statuses: Map<number, number>;
  serverErrors: number;
  leaks: number;
  internal: number;
  noAnswer: number;
  samples: string[];
}

export async function hostileRequests(): Promise<Figure[]> {
  const seed = Number(process.env.FAULTS_SEED ?? 20_261_130);
  const pg = await ownPostgres('faults_hostile');
  const gateway = await startGateway('gateway', pg.url, { INTROSPECTION: 'true' });
  const sql = harnessSql(pg.url);

  // Identities and real ids for the cases to aim at.
  const stamp = Date.now();
  const user = await signUp(gateway.base, `hostile-${stamp}@example.com`);
  const admin = await signUp(gateway.base, `hostile-admin-${stamp}@example.com`);
  await sql`update users set role = 'admin' where id = ${admin.userId}`;
  const adminLogIn = await gql(
    gateway.base,
    'mutation($i: LogInInput!) { logIn(input: $i) { token } }',
    { i: { email: `hostile-admin-${stamp}@example.com`, password: 'password123' } },
  );
  const adminToken: string = adminLogIn.json?.data?.logIn?.token ?? admin.token;
  const seeded = await gql(
    gateway.base,
    `mutation {
      e: createExpense(input: { amount: "4.20", description: "coffee" }) { expense { id } }
      j: submitChatMessage(input: { text: "lunch 12.50" }) { job { id } }
      x: requestExport(input: { format: CSV }) { export { id } } }`,
    {},
    user.token,
  );
  const categories = await gql(
    gateway.base,
    '{ viewer { categories(first: 1) { nodes { id } } } }',
    {},
    user.token,
  );
  const data = seeded.json?.data;
  const category = categories.json?.data?.viewer?.categories?.nodes?.[0]?.id;
  if (!data?.e || !category) throw new Error(`could not set up the user's data: ${seeded.text}`);
  const userSub = Buffer.from(`User:${user.userId}`).toString('base64');
  const who: Identities = {
    user: user.token,
    admin: adminToken,
    forged: await forgedTokens(userSub),
    ids: {
      expense: data.e.expense.id,
      category,
      job: data.j.job.id,
      export: data.x.export.id,
    },
  };

  const probe = spawnNode(
    'probe',
    ['--import', 'tsx', 'load/faults/probe.ts', gateway.base],
    {},
    true,
  );
  // The probe's first figures arrive a second in (its first scrape only resets the lag).
  const probeFigures = new Promise<ProbeFigures>((resolve) =>
    probe.child.once('message', (message) => resolve(message as ProbeFigures)),
  );

  const tallies = new Map<string, Tally>();
  const tallyOf = (category: string) => {
    let t = tallies.get(category);
    if (!t) {
      t = {
        requests: 0,
        ms: 0,
        slowest: { ms: 0, label: '' },
        statuses: new Map(),
        serverErrors: 0,
        leaks: 0,
        internal: 0,
        noAnswer: 0,
        samples: [],
      };
      tallies.set(category, t);
    }
    return t;
  };
  let clientErrors = 0;
  const clientSamples: string[] = [];

  const send = async (request: HostileRequest) => {
    const t = tallyOf(request.category);
    const body = typeof request.body === 'function' ? request.body() : request.body;
    let status = 0;
    let text = '';
    const from = performance.now();
    try {
      const response = await fetch(`${gateway.base}${request.path}`, {
        method: request.method,
        headers: request.headers,
        ...(body === undefined ? {} : { body, duplex: 'half' }),
      } as RequestInit);
      status = response.status;
      text = await response.text();
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      if (!cause?.code) {
        // fetch refused to send it (a header or URL it will not send): not the server's doing.
        clientErrors++;
        if (clientSamples.length < 3) {
          clientSamples.push(`${request.label}: ${cause?.message ?? (error as Error).message}`);
        }
        return;
      }
      text = `${cause.code}`;
    }
    const ms = performance.now() - from;
    t.requests++;
    t.ms += ms;
    if (ms > t.slowest.ms) t.slowest = { ms, label: request.label };
    t.statuses.set(status, (t.statuses.get(status) ?? 0) + 1);
    const problems: string[] = [];
    if (status === 0) {
      t.noAnswer++;
      problems.push(`no answer (${text})`);
    }
    if (status >= 500) {
      t.serverErrors++;
      problems.push(`status ${status}`);
    }
    if (leaks(text)) {
      t.leaks++;
      problems.push('stack or SQL in the body');
    }
    if (/INTERNAL_SERVER_ERROR|Unexpected error/.test(text)) {
      t.internal++;
      problems.push('an internal error');
    }
    if (problems.length > 0 && t.samples.length < 3) {
      t.samples.push(`${request.label}: ${problems.join(', ')}: ${text.slice(0, 160)}`);
    }
  };

  const started = Date.now();
  const requests = generateHostileRequests(seed, COUNT, who);
  let sent = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let next = requests.next(); !next.done; next = requests.next()) {
        await send(next.value);
        if (++sent % 2000 === 0) process.stdout.write(`  ${fmt(sent)} sent\n`);
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  probe.child.send('stop');
  const events = await waitFor('the probe to report', async () => probeFigures, 10_000);
  await probe.stop('SIGKILL');
  // Still serving after all of it.
  const healthy = (await gql(gateway.base, '{ viewer { id } }', {}, user.token)).json?.data?.viewer
    ?.id;
  const crashed = gateway.unexpectedExits();
  await gateway.stop();

  const all = [...tallies.values()];
  const sum = (pick: (t: Tally) => number) => all.reduce((n, t) => n + pick(t), 0);
  const samples = (pick: (t: Tally) => number) => {
    const found = [...tallies.entries()]
      .filter(([, t]) => pick(t) > 0)
      .flatMap(([category, t]) => t.samples.map((s) => `${category}: ${s}`))
      .slice(0, 3);
    return found.length ? `; e.g. ${found.join(' / ')}` : '';
  };
  const statuses = new Map<number, number>();
  for (const t of all) {
    for (const [status, n] of t.statuses) statuses.set(status, (statuses.get(status) ?? 0) + n);
  }
  const statusText = [...statuses.entries()]
    .sort(([x], [y]) => x - y)
    .map(([status, n]) => `${status === 0 ? 'no answer' : status}: ${fmt(n)}`)
    .join(', ');
  return [
    info(
      EXPERIMENT,
      'set-up',
      `seed ${seed} (FAULTS_SEED replays), ${CONCURRENCY} at a time; production mode with introspection on; rate limiting OFF (robustness, not limiting, is measured); anonymous, logged-in, admin and forged tokens; worker on`,
    ),
    info(
      EXPERIMENT,
      'requests by kind',
      [...tallies.entries()]
        .sort(([, x], [, y]) => y.requests - x.requests)
        .map(([category, t]) => `${category} ${fmt(t.requests)}`)
        .join(', '),
    ),
    info(
      EXPERIMENT,
      'slowest kinds (time to answer, summed; slowest request)',
      [...tallies.entries()]
        .sort(([, x], [, y]) => y.ms - x.ms)
        .slice(0, 5)
        .map(
          ([category, t]) =>
            `${category} ${fmt(t.ms / 1000, 1)} s (${t.slowest.label} ${fmt(t.slowest.ms)} ms)`,
        )
        .join(', '),
    ),
    info(
      EXPERIMENT,
      'answers by status',
      `${fmt(sum((t) => t.requests))} in ${fmt(seconds, 1)} s: ${statusText}; 429 (rate limited): ${fmt(statuses.get(429) ?? 0)}`,
    ),
    atMost(
      EXPERIMENT,
      'answers with status ≥ 500',
      sum((t) => t.serverErrors),
      0,
      samples((t) => t.serverErrors).slice(2),
    ),
    atMost(
      EXPERIMENT,
      'bodies with a stack trace or SQL text',
      sum((t) => t.leaks),
      0,
      samples((t) => t.leaks).slice(2),
    ),
    atMost(
      EXPERIMENT,
      'masked internal errors (INTERNAL_SERVER_ERROR)',
      sum((t) => t.internal),
      0,
      samples((t) => t.internal).slice(2),
    ),
    atMost(
      EXPERIMENT,
      'requests without an answer (connection dropped)',
      sum((t) => t.noAnswer),
      0,
      `${samples((t) => t.noAnswer).slice(2)}${clientErrors ? `; ${clientErrors} not sent by fetch: ${clientSamples.join(' / ')}` : ''}`,
    ),
    atMost(
      EXPERIMENT,
      `event-loop stalls over ${STALL_MS} ms (gateway's own lag, per 1 s window)`,
      events.lagOver100,
      0,
      `longest ${fmt(events.maxLagMs)} ms over ${fmt(events.scrapes)} windows`,
    ),
    atMost(
      EXPERIMENT,
      `/health probes slower than ${STALL_MS} ms (every 20 ms, from outside)`,
      events.slowProbes,
      0,
      `slowest ${fmt(events.maxProbeMs)} ms of ${fmt(events.probes)} probes; ${fmt(events.failedProbes)} failed`,
    ),
    atMost(
      EXPERIMENT,
      'gateway exits, or not serving afterwards',
      crashed + (healthy ? 0 : 1),
      0,
      [gateway.exitNote(), healthy ? '' : 'not serving at the end'].filter(Boolean).join('; '),
    ),
  ];
}
