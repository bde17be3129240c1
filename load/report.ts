/**
 * The run's report: one self-contained HTML file (inline SVG, no scripts, no external assets)
 * with the side-by-side table against the peer, latency percentiles per scenario, throughput
 * over time, cache hit ratio, SQL statements per request, the on/off comparisons, the scaling
 * check and the threshold verdicts.
 */

import type { BulkCeiling } from './bulk-ceiling.js';
import { type HeadToHead, headToHeadCaption, headToHeadColumns } from './head-to-head.js';
import type { KdfFigures } from './kdf.js';
import type { Measurement } from './measure.js';

export interface Verdict {
  readonly scenario: string;
  readonly threshold: string;
  readonly actual: string;
  readonly passed: boolean;
}

export interface ScalingRow {
  readonly expenses: number;
  readonly query: string;
  readonly p50: number;
  readonly p95: number;
  readonly reqPerSec: number;
}

export interface RunResult {
  readonly startedAt: string;
  readonly quick: boolean;
  readonly machine: string;
  readonly sqlSource: string;
  readonly measurements: readonly Measurement[];
  readonly comparisons: readonly { label: string; on: number; off: number; unit: string }[];
  readonly scaling: readonly ScalingRow[];
  readonly verdicts: readonly Verdict[];
  readonly notes: readonly string[];
  /** Ledgerline against the peer (or alone, without one) on the shared scenarios. */
  readonly headToHead?: HeadToHead;
  /** The password KDF measured in the run (the sign-up verdicts' reference). */
  readonly kdf?: KdfFigures;
  /** The bulk insert statement timed alone on Postgres (the bulk verdict's reference). */
  readonly bulkCeiling?: BulkCeiling;
  /** Every threshold the run judged, with its reason (load/targets.ts). */
  readonly targets?: unknown;
}

const COLORS = ['#2563eb', '#f59e0b', '#dc2626', '#6b7280', '#16a34a', '#9333ea'];

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c,
  );

const fmt = (n: number) =>
  !Number.isFinite(n) ? '-' : n >= 100 ? Math.round(n).toLocaleString('en-US') : String(n);

/** Values spanning more than this factor get a log scale (latencies span 1 ms to seconds). */
const LOG_SCALE_SPAN = 100;

/**
 * Horizontal bars: one row per label, one bar per series (grouped). A row whose scenario missed
 * a threshold is marked (a red cross and label); values spanning over LOG_SCALE_SPAN× are drawn
 * on a log scale, said in the title.
 */
function barChart(
  title: string,
  rows: readonly { label: string; values: readonly number[]; missed?: boolean }[],
  series: readonly string[],
  unit: string,
  /** Scale each row by its own largest value (rows in different units). */
  perRow = false,
): string {
  const barHeight = 12;
  const rowHeight = series.length * barHeight + 10;
  const left = 300;
  const width = 900;
  const plot = width - left - 90;
  const positive = rows.flatMap((r) => r.values.filter((v) => Number.isFinite(v) && v > 0));
  const overall = Math.max(1e-9, ...positive);
  const smallest = Math.min(overall, ...positive);
  const log = !perRow && positive.length > 1 && overall / smallest > LOG_SCALE_SPAN;
  // Log bars start one decade below the smallest value, so the smallest still shows.
  const floor = log ? Math.log10(smallest) - 1 : 0;
  const scale = (value: number, max: number) =>
    log
      ? ((Math.log10(Math.max(value, smallest)) - floor) / (Math.log10(max) - floor)) * plot
      : (value / max) * plot;
  const heading = log ? `${title} (log scale)` : title;
  const height = rows.length * rowHeight + 50;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(heading)}">`,
    `<text x="0" y="16" font-size="15" font-weight="600">${escapeHtml(heading)}</text>`,
  ];
  series.forEach((name, i) => {
    parts.push(
      `<rect x="${left + i * 110}" y="24" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/>`,
      `<text x="${left + i * 110 + 14}" y="33" font-size="11">${escapeHtml(name)}</text>`,
    );
  });
  rows.forEach((row, r) => {
    const y = 44 + r * rowHeight;
    const text = row.label.length > 46 ? `${row.label.slice(0, 45)}…` : row.label;
    const label = row.missed ? `✗ ${text}` : text;
    const max = perRow ? Math.max(1e-9, ...row.values.filter(Number.isFinite)) : overall;
    parts.push(
      `<text x="${left - 8}" y="${y + rowHeight / 2}" font-size="11" text-anchor="end"${row.missed ? ' fill="#c0392b" class="missed"' : ''}>${escapeHtml(label)}</text>`,
    );
    row.values.forEach((value, i) => {
      const w = Number.isFinite(value) ? Math.max(1, scale(value, max)) : 0;
      const by = y + i * barHeight;
      parts.push(
        `<rect x="${left}" y="${by}" width="${w.toFixed(1)}" height="${barHeight - 2}" fill="${COLORS[i % COLORS.length]}"/>`,
        `<text x="${left + w + 4}" y="${by + barHeight - 3}" font-size="10">${fmt(value)} ${escapeHtml(unit)}</text>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Lines over x (seconds, or table size), one per series, with the y axis from 0. */
function lineChart(
  title: string,
  series: readonly { name: string; points: readonly [number, number][] }[],
  xLabel: string,
  yLabel: string,
  logX = false,
): string {
  const width = 900;
  const height = 300;
  const left = 60;
  const bottom = 40;
  const top = 40;
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return '';
  const xs = all.map(([x]) => (logX ? Math.log10(x) : x));
  const minX = Math.min(...xs);
  const maxX = Math.max(minX + 1e-9, ...xs);
  const maxY = Math.max(1e-9, ...all.map(([, y]) => y)) * 1.1;
  const px = (x: number) =>
    left + (((logX ? Math.log10(x) : x) - minX) / (maxX - minX)) * (width - left - 20);
  const py = (y: number) => height - bottom - (y / maxY) * (height - bottom - top);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}">`,
    `<text x="0" y="16" font-size="15" font-weight="600">${escapeHtml(title)}</text>`,
    `<line x1="${left}" y1="${height - bottom}" x2="${width - 20}" y2="${height - bottom}" stroke="#999"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="#999"/>`,
    `<text x="${(width + left) / 2}" y="${height - 6}" font-size="11" text-anchor="middle">${escapeHtml(xLabel)}</text>`,
    `<text x="12" y="${(height - bottom + top) / 2}" font-size="11" transform="rotate(-90 12 ${(height - bottom + top) / 2})" text-anchor="middle">${escapeHtml(yLabel)}</text>`,
  ];
  for (const fraction of [0, 0.5, 1]) {
    const y = (maxY / 1.1) * fraction;
    parts.push(
      `<text x="${left - 6}" y="${py(y) + 4}" font-size="10" text-anchor="end">${fmt(Math.round(y * 10) / 10)}</text>`,
    );
  }
  const ticks = [...new Set(all.map(([x]) => x))].sort((a, b) => a - b);
  const step = Math.max(1, Math.ceil(ticks.length / 12));
  ticks.forEach((x, i) => {
    if (i % step === 0 || i === ticks.length - 1) {
      parts.push(
        `<text x="${px(x)}" y="${height - bottom + 14}" font-size="10" text-anchor="middle">${fmt(x)}</text>`,
      );
    }
  });
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const path = s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    parts.push(
      `<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"/>`,
      ...s.points.map(
        ([x, y]) =>
          `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.5" fill="${color}"/>`,
      ),
      `<rect x="${left + 10 + i * 200}" y="24" width="10" height="10" fill="${color}"/>`,
      `<text x="${left + 24 + i * 200}" y="33" font-size="11">${escapeHtml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

function table(
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(String(cell))}</td>`).join('')}</tr>`)
    .join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function headToHeadHtml(h: HeadToHead): string {
  const columns = headToHeadColumns(h);
  return [
    `<h2>${escapeHtml(h.peer ? `Ledgerline vs ${h.peer}` : 'Shared scenarios (no peer)')}</h2>`,
    `<p>${escapeHtml(headToHeadCaption(h))}</p>`,
    table(
      columns.map(([header]) => header),
      h.rows.map((row) => columns.map(([, value]) => value(row))),
    ),
  ].join('');
}

/** The KDF figures in one line. */
export function kdfLine(kdf: KdfFigures): string {
  return `Password KDF (${kdf.parameters}): one hash ${kdf.hashMs} ms (median of ${kdf.hashes}, fastest ${kdf.minHashMs} ms); ceiling ${kdf.cores} cores ÷ one hash = ${kdf.ceilingPerSec} sign-ups/s`;
}

/** The bulk ceiling in one line. */
export function bulkCeilingLine(c: BulkCeiling): string {
  return `Bulk insert ceiling: the gateway's ${c.rows.toLocaleString('en-US')}-row insert statement sent straight to Postgres on ${c.connections} connections for ${c.seconds} s: ${c.statementsPerSec} statements/s = ${c.rowsPerSec.toLocaleString('en-US')} rows/s`;
}

export function renderHtml(result: RunResult): string {
  const m = result.measurements;
  const failed = result.verdicts.filter((v) => !v.passed);
  const missed = new Set(failed.map((v) => v.scenario));
  const timed = m.filter((x) => x.timeline.length > 0 && /ramp|sustained/.test(x.scenario));
  const withCache = m.filter((x) => x.hitRatio !== null);
  const sections = [
    `<h1>Ledgerline load report</h1>`,
    `<p>${escapeHtml(result.startedAt)} · ${result.quick ? 'quick run (--quick)' : 'full run'} · ${escapeHtml(result.machine)} · SQL counts: ${escapeHtml(result.sqlSource)}</p>`,
    `<p class="${failed.length ? 'bad' : 'good'}">${
      failed.length
        ? `${failed.length} of ${result.verdicts.length} thresholds missed`
        : `All ${result.verdicts.length} thresholds met`
    }</p>`,
    result.headToHead ? headToHeadHtml(result.headToHead) : '',
    result.kdf ? `<p>${escapeHtml(kdfLine(result.kdf))}</p>` : '',
    result.bulkCeiling ? `<p>${escapeHtml(bulkCeilingLine(result.bulkCeiling))}</p>` : '',
    barChart(
      'Latency percentiles per scenario (ms; ✗: a threshold missed)',
      m.map((x) => ({
        label: x.scenario,
        values: [x.p50, x.p95, x.p99],
        missed: missed.has(x.scenario),
      })),
      ['p50', 'p95', 'p99'],
      'ms',
    ),
    barChart(
      'Throughput per scenario (requests/s; ✗: a threshold missed)',
      m.map((x) => ({ label: x.scenario, values: [x.reqPerSec], missed: missed.has(x.scenario) })),
      ['req/s'],
      'req/s',
    ),
    ...timed.map((x) =>
      lineChart(
        `Throughput over time: ${x.scenario}`,
        [
          {
            name: 'requests/s',
            points: x.timeline.map((t) => [t.second, t.reqPerSec] as [number, number]),
          },
          {
            name: 'connections ×10',
            points: x.timeline.map((t) => [t.second, t.connections * 10] as [number, number]),
          },
        ],
        'second',
        'requests/s',
      ),
    ),
    withCache.length
      ? barChart(
          'Response-cache hit ratio',
          withCache.map((x) => ({ label: x.scenario, values: [x.hitRatio ?? 0] })),
          ['hit ratio'],
          '',
        )
      : '',
    barChart(
      'SQL statements per request',
      m.map((x) => ({ label: x.scenario, values: [x.operationSqlPerRequest ?? x.sqlPerRequest] })),
      ['SQL/request'],
      '',
    ),
    barChart(
      'On/off comparisons',
      result.comparisons.map((c) => ({ label: `${c.label} (${c.unit})`, values: [c.on, c.off] })),
      ['on', 'off'],
      '',
      true,
    ),
    result.scaling.length
      ? lineChart(
          'Scaling: p50 latency by table size (flat means keyset pagination holds)',
          [...new Set(result.scaling.map((s) => s.query))].map((query) => ({
            name: query,
            points: result.scaling
              .filter((s) => s.query === query)
              .map((s) => [s.expenses, s.p50] as [number, number]),
          })),
          'expenses in the table (log scale)',
          'p50 ms',
          true,
        )
      : '',
    '<h2>Thresholds</h2>',
    table(
      ['scenario', 'threshold', 'actual', ''],
      result.verdicts.map((v) => [v.scenario, v.threshold, v.actual, v.passed ? 'met' : 'MISSED']),
    ),
    '<h2>Figures</h2>',
    table(
      [
        'scenario',
        'connections',
        's',
        'req/s',
        'p50',
        'p95',
        'p99',
        'max',
        'errors',
        'SQL/req',
        'hit ratio',
        'peak RSS MB',
        'CPU ms/req',
        'loop p99 ms',
      ],
      m.map((x) => [
        x.scenario,
        x.connections,
        x.seconds,
        x.reqPerSec,
        x.p50,
        x.p95,
        x.p99,
        x.max,
        x.errorCount
          ? Object.entries(x.errors)
              .map(([k, n]) => `${k}: ${n}`)
              .join(', ')
          : 0,
        x.operationSqlPerRequest ?? x.sqlPerRequest,
        x.hitRatio ?? '-',
        x.peakRssMb,
        x.cpuMsPerRequest ?? '-',
        x.eventLoopP99Ms,
      ]),
    ),
    result.scaling.length
      ? `<h2>Scaling</h2>${table(
          ['expenses', 'query', 'req/s', 'p50 ms', 'p95 ms'],
          result.scaling.map((s) => [
            s.expenses.toLocaleString('en-US'),
            s.query,
            s.reqPerSec,
            s.p50,
            s.p95,
          ]),
        )}`
      : '',
    result.notes.length
      ? `<h2>Notes</h2><ul>${result.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`
      : '',
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ledgerline load report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 24px; color: #111; max-width: 960px; }
svg { display: block; margin: 24px 0; font-family: system-ui, sans-serif; }
table { border-collapse: collapse; font-size: 12px; margin: 8px 0 24px; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.bad { color: #b91c1c; font-weight: 600; } .good { color: #15803d; font-weight: 600; }
</style></head><body>
${sections.filter(Boolean).join('\n')}
</body></html>
`;
}

function headToHeadMarkdown(
  result: RunResult,
  row: (cells: readonly (string | number)[]) => string,
): string[] {
  const h = result.headToHead;
  const lines: string[] = [];
  if (h) {
    const columns = headToHeadColumns(h);
    lines.push(
      h.peer ? `## Ledgerline vs ${h.peer}` : '## Shared scenarios (no peer)',
      '',
      headToHeadCaption(h),
      '',
      row(columns.map(([header]) => header)),
      row(columns.map((_, i) => (i === 0 ? '---' : '---:'))),
      ...h.rows.map((r) => row(columns.map(([, value]) => value(r)))),
      '',
    );
  }
  if (result.kdf) lines.push(kdfLine(result.kdf), '');
  if (result.bulkCeiling) lines.push(bulkCeilingLine(result.bulkCeiling), '');
  return lines;
}

/** The figures as Markdown (load/BASELINE.md is one of these, with how to reproduce it). */
export function renderMarkdown(result: RunResult): string {
  const row = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  const lines = [
    '# Load baseline',
    '',
    `A ${result.quick ? 'quick' : 'full'} run of \`npm run load\`, ${result.startedAt.slice(0, 16).replace('T', ' ')} UTC, on ${result.machine}. SQL counts: ${result.sqlSource}.`,
    '',
    'Reproduce: `createdb ledgerline_bench && REDIS_URL=redis://127.0.0.1:6379 DATABASE_URL=postgres://postgres@127.0.0.1:5432/ledgerline_bench npm run load`',
    '(it seeds 100 users and 50,000 expenses, creates the scaling databases once, and writes',
    '`load/results/<time>.json` and `load/results/report.html`).',
    '',
    ...headToHeadMarkdown(result, row),
    '## Scenarios',
    '',
    row([
      'scenario',
      'connections',
      'req/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'max ms',
      'errors',
      'SQL/req',
      'hit ratio',
      'peak RSS MB',
      'CPU ms/req',
      'loop p99 ms',
    ]),
    row(Array.from({ length: 13 }, (_, i) => (i === 0 ? '---' : '---:'))),
    ...result.measurements.map((m) =>
      row([
        m.scenario,
        m.connections,
        m.reqPerSec,
        m.p50,
        m.p95,
        m.p99,
        m.max,
        m.errorCount,
        m.operationSqlPerRequest ?? m.sqlPerRequest,
        m.hitRatio ?? '-',
        m.peakRssMb,
        m.cpuMsPerRequest ?? '-',
        m.eventLoopP99Ms,
      ]),
    ),
    '',
    '## Comparisons',
    '',
    row(['', 'on', 'off', 'unit']),
    row(['---', '---:', '---:', '---']),
    ...result.comparisons.map((c) => row([c.label, c.on, c.off, c.unit])),
    '',
  ];
  if (result.scaling.length) {
    lines.push(
      '## Scaling',
      '',
      row(['expenses in the table', 'query', 'req/s', 'p50 ms', 'p95 ms']),
      row(['---:', '---', '---:', '---:', '---:']),
      ...result.scaling.map((s) =>
        row([s.expenses.toLocaleString('en-US'), s.query, s.reqPerSec, s.p50, s.p95]),
      ),
      '',
    );
  }
  const missed = result.verdicts.filter((v) => !v.passed);
  lines.push(
    '## Thresholds',
    '',
    `${result.verdicts.length - missed.length} of ${result.verdicts.length} met.`,
    '',
    row(['scenario', 'threshold', 'actual', '']),
    row(['---', '---', '---', '---']),
    ...result.verdicts.map((v) =>
      row([v.scenario, v.threshold, v.actual, v.passed ? 'met' : '**missed**']),
    ),
    '',
  );
  if (result.notes.length) lines.push('## Notes', '', ...result.notes.map((n) => `- ${n}`), '');
  return `${lines.join('\n')}\n`;
}
