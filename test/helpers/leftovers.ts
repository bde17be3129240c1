/**
 * A vitest global setup that ends whatever a test run started and left running: servers,
 * workers, Redis and Postgres processes of a test that failed before its cleanup, or whose
 * worker was killed. Every process the run starts inherits a marker in its environment; at the
 * end of the run, each process that still carries it is killed (Linux: read from /proc).
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

const MARKER = 'LEDGERLINE_TEST_RUN';

/** The processes other than this one (and vitest's own workers) whose environment holds `run`. */
export function processesOfRun(run: string): number[] {
  if (process.platform !== 'linux') return [];
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
      if (!environ.includes(`${MARKER}=${run}`)) continue;
      // The field after the parenthesised command name: state, then the parent's pid.
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent !== process.pid) found.push(pid);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

export default function setup(): () => void {
  const run = randomUUID();
  process.env[MARKER] = run;
  return () => {
    const left = processesOfRun(run);
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    if (left.length > 0) {
      console.warn(
        `Killed ${left.length} processes the tests left running (pids ${left.join(', ')})`,
      );
    }
  };
}
