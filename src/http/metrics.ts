import cluster from 'node:cluster';
import type { Registry } from 'prom-client';
import { clusterMetrics } from '../cluster/messages.js';

/** Prometheus text exposition of the instance's registry, or of the whole cluster's. */
export async function metrics(registry: Registry): Promise<Response> {
  const text = cluster.isWorker ? await clusterMetrics() : await registry.metrics();
  return new Response(text, { headers: { 'content-type': registry.contentType } });
}
