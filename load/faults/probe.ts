/**
 * The event-loop probe of the hostile-requests experiment, as a process of its own (the load
 * generator's event loop is busy, and would add its own delays): GET /health every 20 ms, and
 * the gateway's own `nodejs_eventloop_lag_max_seconds` from /metrics every second (prom-client
 * resets it on each scrape, so each value is the longest delay of that second). On the parent's
 * "stop" message it sends its figures back.
 *
 * Usage (from hostile-requests.ts): node --import tsx load/faults/probe.ts <base URL>
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProbeFigures {
  readonly probes: number;
  /** Probes slower than 100 ms, and the slowest. */
  readonly slowProbes: number;
  readonly maxProbeMs: number;
  readonly failedProbes: number;
  readonly scrapes: number;
  /** Seconds in which the gateway's own event-loop delay went over 100 ms, and the longest. */
  readonly lagOver100: number;
  readonly maxLagMs: number;
}

const STALL_MS = 100;

async function main(base: string) {
  let running = true;
  const figures = {
    probes: 0,
    slowProbes: 0,
    maxProbeMs: 0,
    failedProbes: 0,
    scrapes: 0,
    lagOver100: 0,
    maxLagMs: 0,
  };
  process.on('message', (message) => {
    if (message === 'stop') running = false;
  });
  const health = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const response = await fetch(`${base}/health`);
        await response.arrayBuffer();
        if (!response.ok) figures.failedProbes++;
      } catch {
        figures.failedProbes++;
      }
      const ms = performance.now() - started;
      figures.probes++;
      figures.maxProbeMs = Math.max(figures.maxProbeMs, ms);
      if (ms > STALL_MS) figures.slowProbes++;
      if (ms < 20) await sleep(20 - ms);
    }
  })();
  const lag = (async () => {
    // The first scrape only resets the histogram (it holds the gateway's start-up).
    let first = true;
    while (running) {
      try {
        const text = await (await fetch(`${base}/metrics`)).text();
        const seconds = Number(/^nodejs_eventloop_lag_max_seconds ([\d.e+-]+)/m.exec(text)?.[1]);
        if (!first && Number.isFinite(seconds)) {
          figures.scrapes++;
          figures.maxLagMs = Math.max(figures.maxLagMs, seconds * 1000);
          if (seconds * 1000 > STALL_MS) figures.lagOver100++;
        }
        first = false;
      } catch {}
      await sleep(1000);
    }
  })();
  await Promise.all([health, lag]);
  process.send?.(figures satisfies ProbeFigures);
}

const base = process.argv[2];
if (base) await main(base);
