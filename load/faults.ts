/**
 * `npm run faults [-- --only <name>]`: an outside review's fault experiments, repeated on this
 * machine with servers of the suite's own (Postgres, Redis, gateways, workers; the shared
 * Postgres and Redis are never touched). Prints a Markdown table (experiment | figure | target |
 * result), writes it to load/results/faults.md, and exits 1 when any target is missed. Every
 * child process and own server is ended, on failure and on Ctrl-C too.
 *
 * Experiments (load/faults/, one each): Postgres restarts under load with jobs running; Redis
 * killed and restarted under two gateways; a SIGKILLed worker's jobs picked up by another;
 * 10,000 hostile requests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Figure, killChildren, cleanUp as stopEverything } from './faults/harness.js';
import { hostileRequests } from './faults/hostile-requests.js';
import { postgresRestarts } from './faults/postgres-restarts.js';
import { redisRestarts } from './faults/redis-restarts.js';
import { workerKill } from './faults/worker-kill.js';

const EXPERIMENTS: { name: string; title: string; run: () => Promise<Figure[]> }[] = [
  { name: 'postgres', title: '1. Postgres restarted 10× under load', run: postgresRestarts },
  { name: 'redis', title: '2. Redis killed and restarted under two gateways', run: redisRestarts },
  { name: 'worker', title: '3. A SIGKILLed worker', run: workerKill },
  { name: 'hostile', title: '4. 10,000 hostile requests', run: hostileRequests },
];

const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log(`npm run faults [-- --only <${EXPERIMENTS.map((e) => e.name).join('|')}>[,<name>…]]`);
  process.exit(0);
}
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? '').split(',').filter(Boolean) : [];
const unknown = only.filter((name) => !EXPERIMENTS.some((e) => e.name === name));
if ((onlyAt >= 0 && only.length === 0) || unknown.length > 0) {
  console.error(`npm run faults: --only takes ${EXPERIMENTS.map((e) => e.name).join(', ')}`);
  process.exit(2);
}

// Ctrl-C or a SIGTERM ends the run, but only after every child and own server is gone. The
// same signal again within a second is the one npm relays after the terminal's (the whole
// process group gets Ctrl-C); a later one kills the children at once and exits.
let interrupted = false;
let interruptedAt = 0;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (interrupted) {
      if (performance.now() - interruptedAt < 1000) return;
      killChildren();
      process.exit(130);
    }
    interrupted = true;
    interruptedAt = performance.now();
    console.error(`\n${signal}: stopping every child process and own server…`);
    stopEverything().finally(() => process.exit(130));
  });
}
process.on('exit', killChildren);

const started = Date.now();
const figures: Figure[] = [];
for (const experiment of EXPERIMENTS) {
  if (only.length > 0 && !only.includes(experiment.name)) continue;
  const from = Date.now();
  console.log(`${experiment.title}…`);
  try {
    figures.push(...(await experiment.run()));
  } catch (error) {
    if (interrupted) break;
    figures.push({
      experiment: experiment.title,
      figure: 'ran to the end',
      target: 'yes',
      result: `no: ${(error as Error).message.split('\n')[0]}`,
      passed: false,
    });
    console.error(error);
  } finally {
    if (!interrupted) await stopEverything();
  }
  // Other processes share this machine; its load is part of reading timings and stalls.
  const note = `${((Date.now() - from) / 1000).toFixed(0)} s; 1-minute load average ${os
    .loadavg()[0]
    ?.toFixed(1)} on ${os.availableParallelism()} cores at the end`;
  figures.push({
    experiment: experiment.title,
    figure: 'duration, machine load',
    target: '—',
    result: note,
  });
  console.log(`  done: ${note}`);
}
if (interrupted) await new Promise(() => {}); // the signal handler exits once clean

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const verdict = (f: Figure) => (f.passed === undefined ? '' : f.passed ? ' — pass' : ' — **FAIL**');
const table = [
  '| experiment | figure | target | result |',
  '| --- | --- | --- | --- |',
  ...figures.map(
    (f) =>
      `| ${cell(f.experiment)} | ${cell(f.figure)} | ${cell(f.target)} | ${cell(f.result)}${verdict(f)} |`,
  ),
].join('\n');
const missed = figures.filter((f) => f.passed === false);
const judged = figures.filter((f) => f.passed !== undefined);
const seconds = Math.round((Date.now() - started) / 1000);
const summary =
  missed.length === 0
    ? `All ${judged.length} targets met (${seconds} s).`
    : `${missed.length} of ${judged.length} targets missed (${seconds} s): ${missed
        .map((f) => `${f.experiment}: ${f.figure}`)
        .join('; ')}`;
const machine = `${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString()}`;

console.log(`\n${table}\n\n${summary}`);
// load/results/ holds generated results (git-ignored), as `npm run load` writes them.
const out = path.resolve('load/results');
mkdirSync(out, { recursive: true });
writeFileSync(
  path.join(out, 'faults.md'),
  `# Fault experiments\n\n${machine}\n\n${table}\n\n${summary}\n`,
);
console.log(`Written to ${path.relative(process.cwd(), path.join(out, 'faults.md'))}`);
process.exitCode = missed.length > 0 || judged.length === 0 ? 1 : 0;
