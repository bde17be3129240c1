/**
 * One server process: start the API (start-api.ts), listen, stop cleanly on SIGINT/SIGTERM (or
 * when the cluster primary says so, or goes away).
 */
import cluster from 'node:cluster';
import { orExit, startFailure } from './cli.js';
import { SHUTDOWN_MESSAGE, shareMetrics } from './cluster/messages.js';
import type { Config } from './config.js';
import { createHttpServer } from './http/server.js';
import type { Logger } from './logger.js';
import { REPEATED_SIGNAL_MS } from './signals.js';
import { startApi } from './start-api.js';
import { startTracing } from './telemetry.js';

/** In-flight requests get this long to finish before the pools close under them. */
const DRAIN_MS = 10_000;

export async function serve(config: Config, log: Logger): Promise<void> {
  const tracing = await startTracing(config.telemetry);
  const app = await orExit('start the API', () => startApi(config, log));
  if (cluster.isWorker) shareMetrics(app.metrics.registry);
  const server = createHttpServer(app.handle);
  server.on('error', async (error) => {
    if (server.listening) {
      log.error({ err: error.message }, 'http server error');
      return;
    }
    // The port in use or not ours to take: one line, then the embedded database stops too.
    console.error(`Could not listen on ${config.host}:${config.port}: ${startFailure(error)}`);
    await app.stop().catch(() => {});
    process.exit(1);
  });
  server.listen(config.port, config.host, () => {
    if (cluster.isWorker && cluster.worker?.id !== 1) return;
    log.info(
      `Ledgerline GraphQL (GraphiQL in a browser) at http://${config.host}:${config.port}/graphql`,
    );
  });

  let stopping = false;
  let firstSignalAt = 0;
  async function shutdown(reason: string) {
    if (stopping) {
      // The primary's request, or npm relaying a Ctrl-C the terminal also sent us (the whole
      // process group gets it), repeats the first signal: only a later one means "now".
      if (reason === 'primary' || performance.now() - firstSignalAt < REPEATED_SIGNAL_MS) return;
      log.warn({ reason }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    firstSignalAt = performance.now();
    log.info({ reason }, 'shutting down: /ready is 503, no new connections, draining requests');
    app.beginShutdown();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]);
    server.closeAllConnections();
    // Then the worker stops taking jobs and finishes running ones; pools, Redis and an embedded
    // Postgres close in that order.
    await app.stop();
    await tracing?.shutdown();
    log.info('stopped');
    process.exit(0);
  }
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  if (cluster.isWorker) {
    process.on('message', (message) => {
      if (message === SHUTDOWN_MESSAGE) void shutdown('primary');
    });
    // The primary died without telling us: nobody hands us connections any more.
    process.on('disconnect', () => void shutdown('primary'));
  }
}
