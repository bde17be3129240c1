/**
 * What a gateway costs to start: `node --import tsx src/main.ts` (TypeScript transpiled as it
 * loads) against `node dist/main.js` (the build `npm start` runs), alternated, --runs each. Each
 * run starts the server on a free port, polls /ready every 20 ms and, when it first answers 200,
 * reads from /proc the CPU time (user + system) its process tree has used since exec, the wall
 * time, the node process's RSS and peak RSS (VmHWM) and its tree's RSS; then sends SIGTERM and
 * waits for the exit.
 *
 *   npm run build && DATABASE_URL=… npx tsx load/start-cost.ts [--runs 3] [--node <path>]
 *
 * --node adds a third variant: the build on another Node binary (e.g. Node 22 LTS from
 * `npm exec --package=node@22 -- node -p process.execPath`).
 *
 * The environment is passed through (DATABASE_URL, JWT_SECRET, NODE_ENV, CACHE_ENABLED, …).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { freePort } from '../src/free-port.js';
import { cpuSeconds, rssBytes } from './process-stats.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, node: { type: 'string' } },
});
const runs = Number(values.runs);
if (!existsSync('dist/main.js')) throw new Error('no dist/main.js: run `npm run build` first');

const variants: { name: string; bin?: string; args: string[] }[] = [
  { name: 'node --import tsx src/main.ts', args: ['--import', 'tsx', 'src/main.ts'] },
  { name: 'node dist/main.js', args: ['dist/main.js'] },
  ...(values.node
    ? [{ name: `${values.node} dist/main.js`, bin: values.node, args: ['dist/main.js'] }]
    : []),
];

function statusKb(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
}

interface Sample {
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly rssMb: number;
  readonly hwmMb: number;
  /** RSS of the process and its children (tsx's esbuild service, when it runs one). */
  readonly treeRssMb: number;
}

async function measure(args: string[], bin = process.execPath): Promise<Sample> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(bin, args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, PORT: String(port), LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const pid = child.pid as number;
  let sample: Sample | undefined;
  while (!sample) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited during start-up`);
    const ok = await fetch(`http://127.0.0.1:${port}/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) {
      sample = {
        cpuMs: cpuSeconds(pid) * 1000,
        wallMs: performance.now() - started,
        rssMb: statusKb(pid, 'VmRSS') / 1024,
        hwmMb: statusKb(pid, 'VmHWM') / 1024,
        treeRssMb: rssBytes(pid) / 1024 / 1024,
      };
    } else await sleep(20);
  }
  child.kill('SIGTERM');
  await exited;
  return sample;
}

const results = new Map<string, Sample[]>(variants.map((variant) => [variant.name, []]));
for (let run = 1; run <= runs; run++) {
  for (const variant of variants) {
    const sample = await measure(variant.args, variant.bin);
    results.get(variant.name)?.push(sample);
    console.log(
      `run ${run}  ${variant.name.padEnd(30)}  cpu ${sample.cpuMs.toFixed(0).padStart(5)} ms` +
        `  wall ${sample.wallMs.toFixed(0).padStart(5)} ms  rss ${sample.rssMb.toFixed(1)} MB` +
        `  peak rss ${sample.hwmMb.toFixed(1)} MB  tree rss ${sample.treeRssMb.toFixed(1)} MB`,
    );
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
console.log('\nmedians');
for (const [name, samples] of results) {
  const of = (key: keyof Sample) => median(samples.map((sample) => sample[key]));
  console.log(
    `${name.padEnd(30)}  cpu ${of('cpuMs').toFixed(0)} ms  wall ${of('wallMs').toFixed(0)} ms` +
      `  rss ${of('rssMb').toFixed(1)} MB  peak rss ${of('hwmMb').toFixed(1)} MB` +
      `  tree rss ${of('treeRssMb').toFixed(1)} MB`,
  );
}
