/**
 * The password KDF's own ceiling on this machine, measured in the run: sign-ups hash with the
 * gateway's own `hashPassword` (src/auth/password.ts, its real parameters), so no sign-up rate
 * can exceed the machine's cores divided by the time of one hash, whatever else a gateway does.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { hashPassword } from '../src/auth/password.js';

export interface KdfFigures {
  /** Sequential hashes timed. */
  readonly hashes: number;
  /** The median time of one hash, ms. */
  readonly hashMs: number;
  /** The fastest hash, ms (for reference). */
  readonly minHashMs: number;
  /** CPU cores available to this process. */
  readonly cores: number;
  /** cores ÷ hash time: sign-ups per second if every core did nothing but hash. */
  readonly ceilingPerSec: number;
  /** The stored hash's scheme and parameters, e.g. `scrypt N=16384 r=8 p=1`. */
  readonly parameters: string;
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

/** Times `hashes` sequential hashes of a sign-up's password (one at a time: one core's worth). */
export async function measureKdf(hashes = 20): Promise<KdfFigures> {
  // One unmeasured hash: the first one pays for starting the thread pool.
  const sample = await hashPassword('password123');
  const times: number[] = [];
  for (let i = 0; i < hashes; i++) {
    const started = performance.now();
    await hashPassword('password123');
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const middle = times.length / 2;
  const median =
    times.length % 2 === 1
      ? (times[Math.floor(middle)] as number)
      : ((times[middle - 1] as number) + (times[middle] as number)) / 2;
  const cores = os.availableParallelism();
  const [scheme, n, r, p] = sample.split('$');
  return {
    hashes,
    hashMs: round(median, 2),
    minHashMs: round(times[0] as number, 2),
    cores,
    ceilingPerSec: round((cores * 1000) / median, 1),
    parameters: `${scheme} N=${n} r=${r} p=${p}`,
  };
}
