import DataLoader from 'dataloader';
import { inSpan } from '../telemetry.js';

export interface LoaderOptions {
  readonly batch: boolean;
  /** Names the batch's tracing span (`dataloader <name>`). */
  readonly name?: string;
}

/** Runs a batch inside a span named after its loader (a no-op unless tracing is configured). */
function batchSpan<T>(options: LoaderOptions, size: number, run: () => Promise<T>): Promise<T> {
  return inSpan(`dataloader ${options.name ?? 'batch'}`, ['dataloader.batch_size', size], run);
}

/**
 * A DataLoader for per-parent lists and aggregates. Keys that differ only in `ownerId` (the same
 * field with the same arguments under many parents) are fetched together in one statement; keys
 * with other arguments form their own groups. Results come back in key order.
 */
export function createGroupedLoader<P extends object, V>(
  fetch: (ownerIds: number[], params: P) => Promise<Map<number, V>>,
  missing: () => V,
  options: LoaderOptions,
): DataLoader<P & { ownerId: number }, V, string> {
  return new DataLoader(
    (keys) =>
      batchSpan(options, keys.length, async () => {
        const groups = new Map<string, { params: P; ownerIds: number[] }>();
        // One signature per key, reused when the results are handed back.
        const signatures = keys.map(({ ownerId, ...params }) => {
          const signature = JSON.stringify(params);
          const group = groups.get(signature) ?? { params: params as P, ownerIds: [] };
          group.ownerIds.push(ownerId);
          groups.set(signature, group);
          return signature;
        });
        const results = new Map<string, Map<number, V>>();
        await Promise.all(
          [...groups].map(async ([signature, { params, ownerIds }]) => {
            results.set(signature, await fetch([...new Set(ownerIds)], params));
          }),
        );
        return keys.map((key, i) => {
          const value = results.get(signatures[i] as string)?.get(key.ownerId);
          return value === undefined ? missing() : value;
        });
      }),
    { cacheKeyFn: (key) => JSON.stringify(key), batch: options.batch },
  );
}

/** A DataLoader by primary key; a missing row is `null` (a normal answer to `node(id)`). */
export function createByIdLoader<V extends { id: number }>(
  fetch: (ids: number[]) => Promise<V[]>,
  options: LoaderOptions,
): DataLoader<number, V | null> {
  return createMapLoader(
    async (ids) => new Map((await fetch(ids)).map((row) => [row.id, row])),
    () => null,
    options,
  );
}

/** A DataLoader over a fetch that answers a Map by key; absent keys get `missing()`. */
export function createMapLoader<V>(
  fetch: (ids: number[]) => Promise<Map<number, V>>,
  missing: () => V,
  options: LoaderOptions,
): DataLoader<number, V> {
  return new DataLoader(
    (ids) =>
      batchSpan(options, ids.length, async () => {
        const values = await fetch([...ids]);
        return ids.map((id) => values.get(id) ?? missing());
      }),
    { batch: options.batch },
  );
}
