/**
 * Live subscriptions under load, on two gateways (the compiled build, as `npm start` runs it)
 * sharing Redis and the database:
 *   1. 2,000 open `expenseChanged` streams on gateway A (100 users × 20 streams): A's RSS.
 *   2. Write-to-event latency across instances: a user writes on B (one expense at a time,
 *      `--writes` of them) while 20 of its streams listen on A; each event's delay from the
 *      moment the write was sent, p50/p95/max (an upper bound: the write's own time included),
 *      and from the row's createdAt (its transaction's start, on the database's clock, which is
 *      this machine's) to the event's arrival: the write-to-event delay itself.
 *      Measured twice: alone, then beside the load suite's mixed scenario (60% creates, 40%
 *      dashboards of one more user, 30 connections over both gateways) in a process of its own.
 * Targets (the issue's): RSS ≤ 250 MB with 2,000 streams; p95 ≤ 50 ms.
 *
 *   DATABASE_URL=… REDIS_URL=redis://127.0.0.1:6379 npx tsx load/subscriptions.ts [--writes 200]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { account, firstCategoryId } from './fixtures.js';
import { counters, type Gateway, killGateways, startGateway } from './gateway.js';
import { post } from './graphql-client.js';
import { rssBytes } from './process-stats.js';
import { removeLoadAccounts } from './rollup.js';

const { values } = parseArgs({
  options: {
    writes: { type: 'string', default: '200' },
    users: { type: 'string', default: '100' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('Usage: DATABASE_URL=… REDIS_URL=… npx tsx load/subscriptions.ts [--writes 200]');
  process.exit(0);
}
const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
if (!databaseUrl || !redisUrl) {
  console.error('DATABASE_URL and REDIS_URL must be set (two gateways share them)');
  process.exit(2);
}
const users = Number(values.users);
const writes = Number(values.writes);
const PER_USER = 20;

const SUBSCRIPTION =
  'subscription { expenseChanged { kind expense { id description createdAt } } }';
const CREATE = `mutation($input: CreateExpenseInput!) {
  createExpense(input: $input) { expense { id } } }`;

/** An open SSE stream that calls `onEvent` with each `next` payload's text. */
async function open(gateway: Gateway, token: string, onEvent: (data: string) => void) {
  const abort = new AbortController();
  const response = await fetch(`${gateway.base}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query: SUBSCRIPTION }),
    signal: abort.signal,
  });
  if (response.status !== 200) throw new Error(`subscription refused: ${response.status}`);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        buffer += decoder.decode(chunk.value, { stream: true });
        for (let at = buffer.indexOf('\n\n'); at >= 0; at = buffer.indexOf('\n\n')) {
          const message = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const data = /^data: (.*)$/m.exec(message)?.[1];
          if (message.startsWith('event: next') && data) onEvent(data);
        }
      }
    } catch {
      // aborted at the end
    }
  })();
  return () => abort.abort();
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

async function main() {
  const env = {
    REDIS_URL: redisUrl as string,
    CACHE_REDIS_TIMEOUT_MS: '1000',
    SUBSCRIPTIONS_PER_USER: String(PER_USER),
  };
  console.log('Starting two gateways…');
  const [a, b] = await Promise.all([
    startGateway(databaseUrl as string, env),
    startGateway(databaseUrl as string, env),
  ]);
  const closers: (() => void)[] = [];
  try {
    const stamp = Date.now();
    const tokens: string[] = [];
    // Sign-ups on B: their password hashing (scrypt's memory) would otherwise count in A's RSS.
    for (let i = 0; i < users; i++) {
      tokens.push(await account(b.base, `load-live-${stamp}-${i}@example.com`));
    }
    const idle = rssBytes(a.pids());
    console.log(`Opening ${users * PER_USER} streams on gateway A…`);
    const arrivals = new Map<string, number[]>();
    let sinceCommit: number[] = [];
    for (const [i, token] of tokens.entries()) {
      for (let s = 0; s < PER_USER; s++) {
        closers.push(
          await open(a, token, (data) => {
            if (i !== 0) return;
            const id = /"description":"w(\d+)"/.exec(data)?.[1];
            const created = /"createdAt":"([^"]+)"/.exec(data)?.[1];
            if (id) arrivals.set(id, [...(arrivals.get(id) ?? []), performance.now()]);
            if (id && created) sinceCommit.push(Date.now() - Date.parse(created));
          }),
        );
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const withStreams = rssBytes(a.pids());
    const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
    console.log(
      `Gateway A RSS: ${mb(idle)} MB idle, ${mb(withStreams)} MB with ${closers.length} open streams (target ≤ 250 MB)`,
    );

    let next = 0;
    const measureWrites = async (label: string) => {
      console.log(`Writing ${writes} expenses on gateway B, one at a time, ${label}…`);
      const sent = new Map<string, number>();
      sinceCommit = [];
      for (let w = 0; w < writes; w++) {
        const id = String(next++);
        sent.set(id, performance.now());
        const result = await post(
          b.base,
          CREATE,
          { input: { amount: '1.00', description: `w${id}` } },
          tokens[0],
        );
        if (result.errors) throw new Error(JSON.stringify(result.errors));
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const delays: number[] = [];
      let missing = 0;
      for (const [id, at] of sent) {
        const got = arrivals.get(id) ?? [];
        if (got.length < PER_USER) missing += PER_USER - got.length;
        for (const time of got) delays.push(time - at);
      }
      delays.sort((x, y) => x - y);
      console.log(
        `Write on B to event on A, ${label} (${delays.length} events to ${PER_USER} streams): from sending the write p50 ${percentile(delays, 50).toFixed(1)} ms, p95 ${percentile(delays, 95).toFixed(1)} ms, max ${(delays.at(-1) ?? Number.NaN).toFixed(1)} ms; events missing: ${missing}`,
      );
      const committed = [...sinceCommit].sort((x, y) => x - y);
      console.log(
        `  from the write's transaction to the event: p50 ${percentile(committed, 50).toFixed(1)} ms, p95 ${percentile(committed, 95).toFixed(1)} ms, max ${(committed.at(-1) ?? Number.NaN).toFixed(1)} ms (target p95 ≤ 50 ms)`,
      );
    };
    await measureWrites('alone');

    // The load suite's mixed scenario beside it (one more user, 30 connections over both
    // gateways), from a process of its own so its work does not delay the arrivals timed here.
    const reader = await account(b.base, `load-reader-${stamp}@example.com`, 'Reader');
    const category = await firstCategoryId(b.base, reader);
    const load = spawn(
      process.execPath,
      ['--import', 'tsx', 'load/mixed-load.ts', '--bases', `${a.base},${b.base}`].concat([
        '--token',
        reader,
        '--category',
        category,
        '--connections',
        '30',
      ]),
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const output = (async () => {
      let text = '';
      for await (const chunk of load.stdout) text += chunk;
      return text;
    })();
    await once(load.stdout, 'data');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // A scrape resets the gateways' event-loop delay histograms: the next one covers the writes.
    await Promise.all([counters(a.base), counters(b.base)]);
    await measureWrites('beside the mixed scenario');
    const [lagA, lagB] = await Promise.all([counters(a.base), counters(b.base)]);
    load.kill('SIGTERM');
    const figures = JSON.parse((await output).trim().split('\n').at(-1) as string);
    console.log(
      `  (the mixed scenario ran at ${Math.round(figures.requests / figures.seconds)} requests/s over both gateways, ${figures.errors} errors; event-loop delay p99 meanwhile: A ${Math.round(lagA.eventLoopP99Seconds * 1000)} ms, B ${Math.round(lagB.eventLoopP99Seconds * 1000)} ms)`,
    );
  } finally {
    for (const close of closers) close();
    await Promise.all([a.stop(), b.stop()]);
    killGateways();
    // The run's accounts and everything theirs, so runs do not grow the benchmark database.
    const sql = postgres(databaseUrl as string, { max: 1, onnotice: () => {} });
    await removeLoadAccounts(sql);
    await sql.end();
  }
}

await main();
