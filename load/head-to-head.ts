/**
 * Ledgerline against the PostGraphile peer on the shared scenarios, in the same run: one
 * Ledgerline process (cache off) and one peer process on the same database, each scenario
 * measured A/B/A/B (rounds of the same connections and seconds, each after its own warm-up), and
 * per side the median of its rounds: requests/s, latency percentiles, CPU time per request and
 * peak RSS from /proc (every process of the server summed), errors. Without a peer (--no-peer,
 * or it could not be installed) the Ledgerline side is measured alone.
 */
import type { Gateway } from './gateway.js';
import { type Measurement, measure, type RequestSpec, warmUp } from './measure.js';
import { body, type Peer, type SharedScenario } from './peer.js';

/** One server's figures on one scenario: the median of its rounds (RSS: the largest peak). */
export interface SideSummary {
  readonly rounds: number;
  /** Completed requests, all rounds. */
  readonly requests: number;
  /** Rounds that completed no request at all (any makes the scenario fail). */
  readonly emptyRounds: number;
  readonly reqPerSec: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  /** Errors by kind, all rounds. */
  readonly errors: Record<string, number>;
  readonly errorCount: number;
  /** CPU ms (user + system, every process of the server) per completed request. */
  readonly cpuMsPerRequest: number | null;
  /** The largest peak RSS of any round, MB (every process of the server summed). */
  readonly peakRssMb: number;
  /**
   * SQL statements per request, the larger of its rounds (Ledgerline's per-operation counter;
   * null for the peer).
   */
  readonly sqlPerRequest: number | null;
}

/** Ledgerline ÷ peer; null when either side has nothing to divide. */
export interface Ratios {
  readonly throughput: number | null;
  readonly cpu: number | null;
  readonly rss: number | null;
}

export interface HeadToHeadRow {
  readonly scenario: string;
  readonly ledgerline: SideSummary;
  readonly peer: SideSummary | null;
  readonly ratios: Ratios | null;
  /** Every round, in the order measured (Ledgerline 1, peer 1, Ledgerline 2, peer 2…). */
  readonly rounds: readonly Measurement[];
}

export interface HeadToHead {
  /** The peer's name, or null when the shared scenarios ran on Ledgerline alone. */
  readonly peer: string | null;
  readonly connections: number;
  readonly seconds: number;
  readonly warmUpSeconds: number;
  readonly rounds: number;
  readonly rows: readonly HeadToHeadRow[];
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

/** The median (the mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = sorted.length / 2;
  return sorted.length % 2 === 1
    ? (sorted[Math.floor(middle)] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** One side's rounds as one summary (medians; errors summed; RSS the largest peak). */
export function summarize(rounds: readonly Measurement[], withSql: boolean): SideSummary {
  const errors: Record<string, number> = {};
  for (const m of rounds) {
    for (const [kind, n] of Object.entries(m.errors)) errors[kind] = (errors[kind] ?? 0) + n;
  }
  const cpu = rounds.map((m) => m.cpuMsPerRequest).filter((v): v is number => v != null);
  const sql = rounds
    .map((m) => m.operationSqlPerRequest ?? m.sqlPerRequest)
    .filter((v): v is number => v != null);
  const of = (pick: (m: Measurement) => number, places: number) =>
    round(median(rounds.map(pick)), places);
  return {
    rounds: rounds.length,
    requests: rounds.reduce((sum, m) => sum + m.requests, 0),
    emptyRounds: rounds.filter((m) => m.requests === 0).length,
    reqPerSec: of((m) => m.reqPerSec, 0),
    p50: of((m) => m.p50, 1),
    p95: of((m) => m.p95, 1),
    p99: of((m) => m.p99, 1),
    errors,
    errorCount: Object.values(errors).reduce((sum, n) => sum + n, 0),
    cpuMsPerRequest: cpu.length === rounds.length && cpu.length > 0 ? round(median(cpu), 3) : null,
    peakRssMb: Math.max(0, ...rounds.map((m) => m.peakRssMb)),
    sqlPerRequest: withSql && sql.length > 0 ? round(Math.max(...sql), 2) : null,
  };
}

/** a ÷ b to two places, or null when either is missing, not positive or not finite. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || !(a > 0) || !(b > 0)) return null;
  const r = a / b;
  return Number.isFinite(r) ? round(r, 2) : null;
}

export function ratiosOf(ledgerline: SideSummary, peer: SideSummary): Ratios {
  return {
    throughput: ratio(ledgerline.reqPerSec, peer.reqPerSec),
    cpu: ratio(ledgerline.cpuMsPerRequest, peer.cpuMsPerRequest),
    rss: ratio(ledgerline.peakRssMb, peer.peakRssMb),
  };
}

/** A row from a scenario's rounds, in the order measured (sides told apart by `isPeer`). */
export function headToHeadRow(
  scenario: string,
  rounds: readonly Measurement[],
  isPeer: (m: Measurement) => boolean,
  withPeer: boolean,
): HeadToHeadRow {
  const ledgerline = summarize(
    rounds.filter((m) => !isPeer(m)),
    true,
  );
  const peer = withPeer
    ? summarize(
        rounds.filter((m) => isPeer(m)),
        false,
      )
    : null;
  return { scenario, ledgerline, peer, ratios: peer ? ratiosOf(ledgerline, peer) : null, rounds };
}

export const HEAD_TO_HEAD_GROUP = 'head-to-head';

/**
 * Measures every scenario on Ledgerline and (when given) the peer, interleaved: for each round,
 * Ledgerline's warm-up and measurement, then the peer's. Ledgerline's /metrics is read only
 * before and after each measurement (SQL statements), so neither side pays for scrapes; CPU
 * and RSS of both come from /proc.
 */
export async function runHeadToHead(options: {
  readonly scenarios: readonly SharedScenario[];
  readonly ledgerline: Gateway;
  readonly peer: (Peer & { readonly name: string }) | undefined;
  readonly rounds: number;
  readonly connections: number;
  readonly seconds: number;
  readonly warmUpSeconds: number;
  readonly log?: (line: string) => void;
}): Promise<HeadToHead> {
  const { ledgerline, peer, connections, seconds, warmUpSeconds } = options;
  const stages = [{ connections, seconds }];
  const rows: HeadToHeadRow[] = [];
  for (const scenario of options.scenarios) {
    const ours: RequestSpec = {
      headers: { authorization: `Bearer ${scenario.ledgerline.token}` },
      body: body(scenario.ledgerline),
    };
    const theirs: RequestSpec = { body: body(scenario.peer) };
    const rounds: Measurement[] = [];
    const peerRounds = new Set<Measurement>();
    options.log?.(`Running ${scenario.name} (head-to-head)…`);
    for (let i = 1; i <= options.rounds; i++) {
      await warmUp(ledgerline.base, ours, connections, warmUpSeconds);
      const a = await measure(
        ledgerline.base,
        `${scenario.name} (Ledgerline, round ${i})`,
        HEAD_TO_HEAD_GROUP,
        ours,
        stages,
        { pids: ledgerline.pids(), sampleMetrics: false },
      );
      rounds.push(a);
      options.log?.(`    Ledgerline round ${i}: ${line(a)}`);
      if (peer) {
        await warmUp(peer.base, theirs, connections, warmUpSeconds);
        const b = await measure(
          peer.base,
          `${scenario.name} (${peer.name}, round ${i})`,
          HEAD_TO_HEAD_GROUP,
          theirs,
          stages,
          { pids: peer.pids(), metrics: false },
        );
        rounds.push(b);
        peerRounds.add(b);
        options.log?.(`    ${peer.name} round ${i}: ${line(b)}`);
      }
    }
    rows.push(headToHeadRow(scenario.name, rounds, (m) => peerRounds.has(m), peer !== undefined));
  }
  return {
    peer: peer?.name ?? null,
    connections,
    seconds,
    warmUpSeconds,
    rounds: options.rounds,
    rows,
  };
}

function line(m: Measurement): string {
  return `${m.reqPerSec} req/s, p95 ${m.p95} ms, ${m.cpuMsPerRequest ?? '-'} CPU ms/req, ${m.peakRssMb} MB, ${m.errorCount} errors`;
}

const cell = (value: number | null | undefined) =>
  value == null || !Number.isFinite(value) ? '-' : String(value);

/** The side-by-side table's columns: [header, value of a row]. */
export function headToHeadColumns(
  h: HeadToHead,
): [string, (row: HeadToHeadRow) => string | number][] {
  const columns: [string, (row: HeadToHeadRow) => string | number][] = [
    ['scenario', (r) => r.scenario],
    ['req/s L', (r) => r.ledgerline.reqPerSec],
  ];
  if (h.peer) {
    columns.push(
      ['req/s P', (r) => cell(r.peer?.reqPerSec)],
      ['L/P', (r) => cell(r.ratios?.throughput)],
    );
  }
  columns.push(['p50 L', (r) => r.ledgerline.p50]);
  if (h.peer) columns.push(['p50 P', (r) => cell(r.peer?.p50)]);
  columns.push(['p95 L', (r) => r.ledgerline.p95]);
  if (h.peer) columns.push(['p95 P', (r) => cell(r.peer?.p95)]);
  columns.push(['p99 L', (r) => r.ledgerline.p99]);
  if (h.peer) columns.push(['p99 P', (r) => cell(r.peer?.p99)]);
  columns.push(['CPU ms/req L', (r) => cell(r.ledgerline.cpuMsPerRequest)]);
  if (h.peer) {
    columns.push(
      ['CPU ms/req P', (r) => cell(r.peer?.cpuMsPerRequest)],
      ['L/P', (r) => cell(r.ratios?.cpu)],
    );
  }
  columns.push(['RSS MB L', (r) => r.ledgerline.peakRssMb]);
  if (h.peer) {
    columns.push(['RSS MB P', (r) => cell(r.peer?.peakRssMb)], ['L/P', (r) => cell(r.ratios?.rss)]);
  }
  columns.push(['errors L', (r) => r.ledgerline.errorCount]);
  if (h.peer) columns.push(['errors P', (r) => cell(r.peer?.errorCount)]);
  columns.push(['SQL/req L', (r) => cell(r.ledgerline.sqlPerRequest)]);
  return columns;
}

/** What the table compares, in one line. */
export function headToHeadCaption(h: HeadToHead): string {
  const shape = `${h.connections} connections, ${h.rounds} rounds of ${h.seconds} s each after ${h.warmUpSeconds} s of warm-up, medians (RSS: largest peak)`;
  return h.peer
    ? `Ledgerline (L) vs ${h.peer} (P): one process each, cache off, same database; ${shape}; L/P = Ledgerline ÷ ${h.peer}`
    : `Ledgerline (L) alone, one process, cache off (no peer this run); ${shape}`;
}

/** The side-by-side table as aligned plain text, for the console. */
export function formatHeadToHead(h: HeadToHead): string {
  const columns = headToHeadColumns(h);
  const cells = [
    columns.map(([header]) => header),
    ...h.rows.map((row) => columns.map(([, value]) => String(value(row)))),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => (r[i] as string).length)));
  const lines = cells.map((r) =>
    r
      .map((text, i) => (i === 0 ? text.padEnd(widths[i] ?? 0) : text.padStart(widths[i] ?? 0)))
      .join('  '),
  );
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return [headToHeadCaption(h), ...lines].join('\n');
}
