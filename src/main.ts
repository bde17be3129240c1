/** Process entry: load config, build the app, listen; stop cleanly on SIGINT/SIGTERM. */
import { createServer } from 'node:http';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startTracing } from './telemetry.js';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
const log = createLogger(config);
const tracing = startTracing(config.telemetry);
const app = await createApp(config, log);
const server = createServer(app.handle);
server.listen(config.port, config.host, () => {
  log.info(
    `Ledgerline GraphQL (GraphiQL in a browser) at http://${config.host}:${config.port}/graphql`,
  );
});

let stopping = false;
/** In-flight requests get this long to finish before the pools close under them. */
const DRAIN_MS = 10_000;

async function shutdown(signal: string) {
  if (stopping) {
    log.warn({ signal }, 'second signal: exiting now');
    process.exit(1);
  }
  stopping = true;
  log.info({ signal }, 'shutting down: /ready is 503, no new connections, draining requests');
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
