/**
 * CPU time and resident memory of a server and every process under it, read from /proc (Linux),
 * so servers that report no metrics of their own (a benchmark peer) are measured like ours, and
 * a clustered server counts all of its workers.
 *
 * CPU: utime + stime of each live process in the tree, plus cutime + cstime (what its exited and
 * reaped children used, which no live process reports any more), in clock ticks. RSS: VmRSS of
 * each live process in the tree, summed. Processes that exit while being read are skipped.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export type RootPids = number | readonly number[];

let ticksPerSecond: number | undefined;

/** `getconf CLK_TCK`, read once; 100 (Linux's USER_HZ everywhere in practice) when it fails. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    let ticks = Number.NaN;
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {}
    ticksPerSecond = Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
  }
  return ticksPerSecond;
}

interface Stat {
  readonly ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  readonly ticks: number;
}

/** /proc/<pid>/stat, or undefined when the process is gone. */
function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces or parentheses itself:
  // the fields after the last ')' start at field 3 (state).
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const field = (n: number) => Number(fields[n - 3]);
  return { ppid: field(4), ticks: field(14) + field(15) + field(16) + field(17) };
}

/** Every live process id with its parent's, from /proc/<pid>/stat. */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) map.set(Number(entry), stat.ppid);
  }
  return map;
}

/** The roots that are still alive and all their live descendants (each once). */
export function processTree(roots: RootPids): number[] {
  const parentOf = parents();
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parentOf) {
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const tree = new Set<number>();
  const queue = (typeof roots === 'number' ? [roots] : [...roots]).filter((pid) =>
    parentOf.has(pid),
  );
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    if (tree.has(pid)) continue;
    tree.add(pid);
    for (const child of children.get(pid) ?? []) queue.push(child);
  }
  return [...tree];
}

/**
 * CPU seconds (user + system) the roots and their descendants have used so far, including
 * children that exited and were reaped. Take it before and after a measurement: the difference
 * is the tree's CPU during it.
 */
export function cpuSeconds(roots: RootPids): number {
  let ticks = 0;
  for (const pid of processTree(roots)) ticks += readStat(pid)?.ticks ?? 0;
  return ticks / clockTicksPerSecond();
}

/** VmRSS of one process in bytes; 0 when it is gone (or a kernel thread, which has none). */
function vmRss(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    return 0;
  }
}

/** Resident memory of the roots and their live descendants, summed, in bytes. */
export function rssBytes(roots: RootPids): number {
  let bytes = 0;
  for (const pid of processTree(roots)) bytes += vmRss(pid);
  return bytes;
}

export interface RssSampler {
  /** The largest summed RSS seen so far, in bytes. */
  peakBytes(): number;
  /** Takes a last sample, stops sampling and returns the peak in bytes. */
  stop(): number;
}

/**
 * Samples the tree's summed RSS every `intervalMs` (and once at the start) and keeps the peak:
 * start it with a measurement and stop it when the measurement ends. The timer does not keep
 * the process alive.
 */
export function sampleRss(roots: RootPids, intervalMs = 250): RssSampler {
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, rssBytes(roots));
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  let stopped = false;
  return {
    peakBytes: () => peak,
    stop: () => {
      if (!stopped) {
        stopped = true;
        clearInterval(timer);
        sample();
      }
      return peak;
    },
  };
}
