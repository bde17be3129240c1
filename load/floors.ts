/**
 * The machine floors a run needs, each measured once, in the run, right before the first
 * scenario judged against it: load/floor-server.ts with a scenario's SQL round trips (or a fixed
 * body of a cached answer's size), at its connections and with as many processes as the gateway
 * it is compared with, warmed up like a scenario. CPU and RSS from /proc like every server.
 */
import { type Gateway, startFloorServer } from './gateway.js';
import { type Measurement, measure, warmUp } from './measure.js';

export interface FloorKey {
  /** Sequential `select 1` per request. */
  readonly roundTrips: number;
  readonly connections: number;
  /** Server processes (the compared gateway's WEB_CONCURRENCY). */
  readonly processes: number;
  /** A fixed JSON body of this many bytes (else a small one). */
  readonly bodyBytes?: number;
}

export const FLOOR_GROUP = 'machine floor';

/** e.g. "floor: HTTP + 1 × select 1, 30 connections, 2 processes". */
export function floorName(key: FloorKey): string {
  const work = key.bodyBytes
    ? `fixed ${key.bodyBytes.toLocaleString('en-US')}-byte body${key.roundTrips ? ` + ${key.roundTrips} × select 1` : ''}`
    : `HTTP + ${key.roundTrips} × select 1`;
  return `floor: ${work}, ${key.connections} connections, ${key.processes} process${key.processes === 1 ? '' : 'es'}`;
}

export interface Floors {
  /** The floor's measurement (measured on first use). */
  get(key: FloorKey): Promise<Measurement>;
}

export function createFloors(options: {
  readonly databaseUrl: string;
  readonly seconds: number;
  readonly warmUpSeconds: number;
  /** Called once per floor measured (to record it with the scenarios). */
  readonly onMeasured: (m: Measurement) => void;
  readonly log?: (line: string) => void;
}): Floors {
  const measured = new Map<string, Promise<Measurement>>();
  const run = async (key: FloorKey): Promise<Measurement> => {
    const name = floorName(key);
    options.log?.(`Running ${name}…`);
    let floor: Gateway | undefined;
    try {
      floor = await startFloorServer(options.databaseUrl, key);
      const spec = { body: '{}' };
      await warmUp(floor.base, spec, key.connections, options.warmUpSeconds);
      const m = await measure(
        floor.base,
        name,
        FLOOR_GROUP,
        spec,
        [{ connections: key.connections, seconds: options.seconds }],
        { pids: floor.pids(), metrics: false },
      );
      options.onMeasured(m);
      options.log?.(`  ${m.reqPerSec} req/s, p95 ${m.p95} ms, ${m.errorCount} errors`);
      return m;
    } finally {
      await floor?.stop();
    }
  };
  return {
    get(key) {
      const id = JSON.stringify([key.roundTrips, key.connections, key.processes, key.bodyBytes]);
      let m = measured.get(id);
      if (!m) {
        m = run(key);
        measured.set(id, m);
      }
      return m;
    },
  };
}
