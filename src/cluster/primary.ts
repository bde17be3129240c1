/**
 * The cluster primary (WEB_CONCURRENCY > 1): forks the serving processes, which share the port
 * (node:cluster hands each accepted connection to the next worker), replaces one that dies,
 * gathers /metrics for them, and on SIGINT/SIGTERM asks each to drain and stop, then exits.
 * It loads nothing of the app itself.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { Logger } from '../logger.js';
import {
  METRICS_REQUEST,
  METRICS_RESPONSE,
  type MetricsRequest,
  type MetricsResponse,
  SHUTDOWN_MESSAGE,
} from './messages.js';

export function runPrimary(workers: number, log: Logger): void {
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  let failed = false;
  /** Workers serving (their shutdown handler is in place); the others are still starting. */
  const listening = new Set<Worker>();

  const fork = () => {
    const worker = cluster.fork();
    worker.once('listening', () => listening.add(worker));
    worker.once('exit', (code, signal) => {
      const started = listening.delete(worker);
      if (stopping) return;
      if (!started) {
        // It never started (bad database, port taken): forking again would loop.
        log.error({ pid: worker.process.pid, code, signal }, 'a server process failed to start');
        failed = true;
        stop('a server process failed to start');
        return;
      }
      log.error({ pid: worker.process.pid, code, signal }, 'a server process died; replacing it');
      fork();
    });
  };

  cluster.on('message', (worker: Worker, message: MetricsRequest) => {
    if (message?.type !== METRICS_REQUEST) return;
    const reply = (response: Omit<MetricsResponse, 'type' | 'id'>) =>
      worker.isConnected() && worker.send({ type: METRICS_RESPONSE, id: message.id, ...response });
    aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (error: Error) => reply({ error: error.message }),
    );
  });

  function stop(reason: string) {
    if (stopping) return;
    stopping = true;
    log.info(
      { reason, workers: Object.keys(cluster.workers ?? {}).length },
      'stopping the cluster',
    );
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (!worker) continue;
      // A serving process drains first; one still starting has no handler yet and just ends.
      if (listening.has(worker) && worker.isConnected()) worker.send(SHUTDOWN_MESSAGE);
      else worker.process.kill('SIGTERM');
    }
  }
  cluster.on('exit', () => {
    if (stopping && Object.keys(cluster.workers ?? {}).length === 0) process.exit(failed ? 1 : 0);
  });
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  log.info({ workers }, 'starting server processes');
  for (let i = 0; i < workers; i++) fork();
}
