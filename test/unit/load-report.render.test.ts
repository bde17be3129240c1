import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../load/measure.js';
import { type RunResult, renderHtml } from '../../load/report.js';

const measurement = (scenario: string, overrides: Partial<Measurement> = {}): Measurement => ({
  scenario,
  group: 'graphql',
  connections: '16',
  seconds: 3,
  requests: 900,
  reqPerSec: 300,
  p50: 40,
  p95: 70,
  p99: 90,
  max: 120,
  errors: {},
  errorCount: 0,
  sqlPerRequest: 3.05,
  hitRatio: null,
  peakRssMb: 300,
  eventLoopP99Ms: 12,
  timeline: [],
  ...overrides,
});

const result: RunResult = {
  startedAt: '2026-11-22T18:00:00.000Z',
  quick: true,
  machine: '2 cores',
  sqlSource: 'counter',
  measurements: [
    measurement('dashboard <uncached>'),
    measurement('cached dashboard', { reqPerSec: 10_000, p95: 3, hitRatio: 0.98 }),
    measurement('ramp-up 5→10', {
      timeline: [
        { second: 1, reqPerSec: 200, connections: 5 },
        { second: 2, reqPerSec: 380, connections: 10 },
      ],
    }),
  ],
  comparisons: [{ label: 'dashboard: cache on vs off', on: 10_000, off: 300, unit: 'req/s' }],
  scaling: [
    { expenses: 10_000, query: 'dashboard', p50: 40, p95: 60, reqPerSec: 300 },
    { expenses: 2_000_000, query: 'dashboard', p50: 42, p95: 66, reqPerSec: 290 },
  ],
  verdicts: [
    {
      scenario: 'dashboard <uncached>',
      threshold: '>= 1,500 req/s',
      actual: '300 req/s',
      passed: false,
    },
    { scenario: 'cached dashboard', threshold: 'p95 < 50 ms', actual: 'p95 3 ms', passed: true },
  ],
  notes: ['a note'],
};

describe('the load report', () => {
  const html = renderHtml(result);

  it('is one self-contained page: inline SVG charts, no scripts or external assets', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=|href=/i);
    expect(html.match(/<svg /g)?.length).toBeGreaterThanOrEqual(7);
    for (const title of [
      'Latency percentiles per scenario',
      'Throughput over time: ramp-up',
      'Response-cache hit ratio',
      'SQL statements per request',
      'On/off comparisons',
      'Scaling: p50 latency by table size',
    ]) {
      expect(html).toContain(title);
    }
  });

  it('says how many thresholds were missed and marks each', () => {
    expect(html).toContain('1 of 2 thresholds missed');
    expect(html).toContain('<td>MISSED</td>');
    expect(html).toContain('<td>met</td>');
  });

  it('marks the scenarios that missed a threshold on the charts', () => {
    expect(html).toContain('class="missed">✗ dashboard &lt;uncached&gt;</text>');
    expect(html).not.toContain('✗ cached dashboard');
  });

  it('draws wide ranges on a log scale and narrow ones linearly', () => {
    // p50 40 ms and p95 3 ms beside 90 ms: 30x, linear; req/s 300 to 10,000: 33x, linear.
    expect(html).toContain('Latency percentiles per scenario (ms; ✗: a threshold missed)<');
    const wide = renderHtml({
      ...result,
      measurements: [
        measurement('fast', { p50: 1, p95: 2, p99: 3 }),
        measurement('slow', { p50: 900, p95: 2_500, p99: 3_000 }),
      ],
    });
    expect(wide).toContain(
      'Latency percentiles per scenario (ms; ✗: a threshold missed) (log scale)',
    );
  });

  it('escapes scenario names', () => {
    expect(html).toContain('dashboard &lt;uncached&gt;');
    expect(html).not.toContain('dashboard <uncached>');
  });
});
