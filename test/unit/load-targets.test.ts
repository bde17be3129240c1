import { describe, expect, it } from 'vitest';
import type { BulkCeiling } from '../../load/bulk-ceiling.js';
import {
  formatHeadToHead,
  type HeadToHead,
  headToHeadRow,
  median,
  ratio,
  summarize,
} from '../../load/head-to-head.js';
import type { KdfFigures } from '../../load/kdf.js';
import type { Measurement } from '../../load/measure.js';
import { HELP, parseLoadArgs } from '../../load/options.js';
import {
  bulkCeilingShare,
  fractionOf,
  headToHeadVerdicts,
  kdfLatency,
  kdfThroughput,
  noErrors,
  sharedKey,
  sqlAtMost,
  TARGETS,
} from '../../load/targets.js';

const ceiling: BulkCeiling = {
  rows: 1000,
  connections: 4,
  seconds: 3,
  statementsPerSec: 40,
  rowsPerSec: 40_000,
};

const measurement = (scenario: string, overrides: Partial<Measurement> = {}): Measurement => ({
  scenario,
  group: 'head-to-head',
  connections: '16',
  seconds: 3,
  requests: 3000,
  reqPerSec: 1000,
  p50: 10,
  p95: 20,
  p99: 30,
  max: 40,
  errors: {},
  errorCount: 0,
  sqlPerRequest: 1,
  operationSqlPerRequest: 1,
  hitRatio: null,
  peakRssMb: 100,
  cpuMsPerRequest: 1,
  eventLoopP99Ms: 5,
  timeline: [],
  ...overrides,
});

describe('the load run options', () => {
  it('defaults to a full run with the peer', () => {
    const parsed = parseLoadArgs([]);
    expect(parsed).toMatchObject({
      kind: 'run',
      options: { quick: false, seconds: 10, peer: true, only: undefined },
    });
  });

  it('reads --quick, --no-peer, --only and --duration', () => {
    const parsed = parseLoadArgs(['--quick', '--no-peer', '--only', 'dashboard', '--duration=5']);
    expect(parsed).toMatchObject({
      kind: 'run',
      options: { quick: true, seconds: 5, peer: false, only: 'dashboard' },
    });
  });

  it('prints one line per option for --help', () => {
    expect(parseLoadArgs(['--help'])).toEqual({ kind: 'help', text: HELP });
    for (const option of ['--quick', '--no-peer', '--only', '--duration', '--help']) {
      expect(HELP.split('\n').filter((line) => line.trimStart().startsWith(option))).toHaveLength(
        1,
      );
    }
  });

  it('names the option in one line for a bad argument', () => {
    const cases: [string[], RegExp][] = [
      [['--peer-off'], /unknown option --peer-off/],
      [['--duration'], /--duration needs a value/],
      [['--duration', '0'], /--duration must be a positive number/],
      [['--quick=yes'], /--quick takes no value/],
      [['--users', '1.5'], /--users must be a positive whole number/],
      [['--scaling', '10,x'], /--scaling must be/],
      [['quick'], /unexpected argument 'quick'/],
    ];
    for (const [argv, message] of cases) {
      const parsed = parseLoadArgs(argv);
      expect(parsed.kind).toBe('error');
      if (parsed.kind === 'error') {
        expect(parsed.message).toMatch(message);
        expect(parsed.message).not.toContain('\n');
      }
    }
  });
});

describe('the head-to-head summary', () => {
  it('takes medians of the rounds, sums errors and keeps the largest RSS peak', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([1, 4])).toBe(2.5);
    const side = summarize(
      [
        measurement('a', { reqPerSec: 900, cpuMsPerRequest: 1.2, peakRssMb: 120 }),
        measurement('a', {
          reqPerSec: 1100,
          cpuMsPerRequest: 0.8,
          peakRssMb: 140,
          errors: { 'http 500': 2 },
          errorCount: 2,
        }),
      ],
      true,
    );
    expect(side).toMatchObject({
      rounds: 2,
      requests: 6000,
      emptyRounds: 0,
      reqPerSec: 1000,
      cpuMsPerRequest: 1,
      peakRssMb: 140,
      errors: { 'http 500': 2 },
      errorCount: 2,
      sqlPerRequest: 1,
    });
  });

  it('has no ratio when either side has nothing to divide', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(3, 0)).toBeNull();
    expect(ratio(0, 2)).toBeNull();
    expect(ratio(null, 2)).toBeNull();
  });

  it('tells the sides apart and prints a side-by-side table', () => {
    const rounds = [
      measurement('dashboard L1', { reqPerSec: 1600, cpuMsPerRequest: 0.5, peakRssMb: 150 }),
      measurement('dashboard P1', { reqPerSec: 1000, cpuMsPerRequest: 1, peakRssMb: 200 }),
      measurement('dashboard L2', { reqPerSec: 1600, cpuMsPerRequest: 0.5, peakRssMb: 150 }),
      measurement('dashboard P2', { reqPerSec: 1000, cpuMsPerRequest: 1, peakRssMb: 200 }),
    ];
    const row = headToHeadRow('dashboard', rounds, (m) => m.scenario.includes('P'), true);
    expect(row.ratios).toEqual({ throughput: 1.6, cpu: 0.5, rss: 0.75 });
    const h: HeadToHead = {
      peer: 'PostGraphile 5',
      connections: 16,
      seconds: 3,
      warmUpSeconds: 1,
      rounds: 2,
      rows: [row],
    };
    const text = formatHeadToHead(h);
    expect(text).toContain('PostGraphile 5');
    expect(text).toMatch(/dashboard +1600 +1000 +1\.6/);
  });
});

describe('the thresholds', () => {
  it('never passes a scenario that completed no request', () => {
    const empty = measurement('x', { requests: 0, reqPerSec: 0, p50: Number.NaN });
    const floor = measurement('floor', { reqPerSec: 10_000 });
    const kdf: KdfFigures = {
      hashes: 20,
      hashMs: 27,
      minHashMs: 26,
      cores: 2,
      ceilingPerSec: 74,
      parameters: 'scrypt N=16384 r=8 p=1',
    };
    for (const threshold of [
      noErrors,
      sqlAtMost({ value: 0, reason: '' }),
      fractionOf({ value: 0, reason: '' }, floor, 'floor'),
      kdfThroughput(kdf),
      kdfLatency(kdf),
      bulkCeilingShare(ceiling),
    ]) {
      expect(threshold.check(empty)).toEqual({ passed: false, actual: '0 requests completed' });
    }
  });

  it('judges a scenario against its floor and the KDF', () => {
    const floor = measurement('floor', { reqPerSec: 10_000 });
    const target = { value: 0.25, reason: '' };
    expect(fractionOf(target, floor, 'floor').check(measurement('a', { reqPerSec: 2500 }))).toEqual(
      { passed: true, actual: '2,500 req/s = 0.250 × 10,000' },
    );
    expect(
      fractionOf(target, floor, 'floor').check(measurement('a', { reqPerSec: 2499 })).passed,
    ).toBe(false);
    const failedFloor = measurement('floor', { errorCount: 1, errors: { timeout: 1 } });
    expect(fractionOf(target, failedFloor, 'floor').check(measurement('a')).passed).toBe(false);
    const kdf: KdfFigures = {
      hashes: 20,
      hashMs: 25,
      minHashMs: 24,
      cores: 2,
      ceilingPerSec: 80,
      parameters: 'scrypt',
    };
    expect(kdfThroughput(kdf).check(measurement('s', { reqPerSec: 64 })).passed).toBe(true);
    expect(kdfThroughput(kdf).check(measurement('s', { reqPerSec: 63 })).passed).toBe(false);
    expect(kdfLatency(kdf).check(measurement('s', { p50: 30 })).passed).toBe(true);
    expect(kdfLatency(kdf).check(measurement('s', { p50: 30.1 })).passed).toBe(false);
  });

  it('judges bulk inserts by rows/s against the statement alone on Postgres', () => {
    const bulk = (rowsPerSec: number) => measurement('bulk', { extra: { rowsPerSec } });
    expect(bulkCeilingShare(ceiling).check(bulk(24_000))).toEqual({
      passed: true,
      actual: '24,000 rows/s = 0.600 × ceiling',
    });
    expect(bulkCeilingShare(ceiling).check(bulk(23_999)).passed).toBe(false);
  });

  it('asks 1.5× the peer of the dashboard and the fan-out, 1× of the rest', () => {
    expect(sharedKey('dashboard')).toBe('dashboard');
    expect(sharedKey('admin nested fan-out 50×10×5')).toBe('fanOut');
    expect(sharedKey('page 5,000 rows deep')).toBe('deepPage');
    expect(sharedKey('summary 2026-10-31..2026-11-30')).toBe('summary');
    expect(sharedKey('expense by id')).toBe('expense');
    const rows = (name: string, ours: number) =>
      headToHeadRow(
        name,
        [
          measurement('L', { reqPerSec: ours }),
          measurement('P', { reqPerSec: 1000, cpuMsPerRequest: 2, peakRssMb: 200 }),
        ],
        (m) => m.scenario === 'P',
        true,
      );
    const throughput = (name: string, ours: number) =>
      headToHeadVerdicts(rows(name, ours), 'PostGraphile 5').find((v) =>
        v.threshold.startsWith('throughput'),
      );
    expect(throughput('dashboard', 1400)).toMatchObject({ passed: false });
    expect(throughput('dashboard', 1500)).toMatchObject({
      passed: true,
      threshold: `throughput >= ${TARGETS.peer.heavyThroughput.value} × PostGraphile 5`,
    });
    expect(throughput('page 5,000 rows deep', 1000)).toMatchObject({ passed: true });
    expect(throughput('page 5,000 rows deep', 990)).toMatchObject({ passed: false });
  });

  it('fails every head-to-head verdict when a round completed nothing', () => {
    const row = headToHeadRow(
      'dashboard',
      [
        measurement('L', { requests: 0, reqPerSec: 0, cpuMsPerRequest: null }),
        measurement('P', { reqPerSec: 0, requests: 0, cpuMsPerRequest: null }),
      ],
      (m) => m.scenario === 'P',
      true,
    );
    const verdicts = headToHeadVerdicts(row, 'PostGraphile 5');
    expect(verdicts.length).toBeGreaterThanOrEqual(5);
    for (const v of verdicts) expect(v.passed).toBe(false);
  });
});
