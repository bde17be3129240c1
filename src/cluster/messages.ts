/**
 * What a cluster worker and its primary say to each other over IPC: "shut down", and /metrics
 * for the whole cluster. Any worker may answer a scrape; it asks the primary, which gathers every
 * worker's registry with prom-client's AggregatorRegistry (counters summed, so SQL statements
 * and cache hits count every process's requests).
 */
import { AggregatorRegistry, type Registry } from 'prom-client';

export const SHUTDOWN_MESSAGE = 'ledgerline:shutdown';
export const METRICS_REQUEST = 'ledgerline:metrics-request';
export const METRICS_RESPONSE = 'ledgerline:metrics-response';

export interface MetricsRequest {
  readonly type: typeof METRICS_REQUEST;
  readonly id: number;
}
export interface MetricsResponse {
  readonly type: typeof METRICS_RESPONSE;
  readonly id: number;
  readonly text?: string;
  readonly error?: string;
}

const TIMEOUT_MS = 5000;
const pending = new Map<number, (response: MetricsResponse) => void>();
let nextId = 0;

/** In a worker: answer the primary's collection with this registry, and take its replies. */
export function shareMetrics(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  // The constructor installs prom-client's worker-side listener.
  new AggregatorRegistry();
  process.on('message', (message: MetricsResponse) => {
    if (message?.type === METRICS_RESPONSE) pending.get(message.id)?.(message);
  });
}

/** In a worker: the whole cluster's metrics, in Prometheus text. */
export function clusterMetrics(): Promise<string> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error('the cluster primary did not answer a metrics request'));
    }, TIMEOUT_MS);
    pending.set(id, (response) => {
      clearTimeout(timer);
      pending.delete(id);
      if (response.text === undefined) reject(new Error(response.error ?? 'no metrics'));
      else resolve(response.text);
    });
    process.send?.({ type: METRICS_REQUEST, id } satisfies MetricsRequest);
  });
}
