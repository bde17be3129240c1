/**
 * Process entry: load the config, then serve (serve.ts), or with WEB_CONCURRENCY > 1 become the
 * cluster primary (cluster/primary.ts), which forks that many serving processes.
 */
import cluster from 'node:cluster';
import { configOrExit, parseCli } from './cli.js';
import { createLogger } from './logger.js';

parseCli({
  command: 'npm start',
  usage: `Usage: npm start
Serves the GraphQL API (GraphiQL in a browser) on HOST:PORT, with its job worker unless
WORKER_ENABLED=false; without DATABASE_URL, on an embedded Postgres under DATA_DIR with demo
data. Every setting is an environment variable (README, .env.example).
  -h, --help   this text`,
  options: {},
});
const config = configOrExit();
const log = createLogger(config);
if (cluster.isPrimary && config.webConcurrency > 1) {
  // Imported here, so the primary never loads the app.
  const { runPrimary } = await import('./cluster/primary.js');
  runPrimary(config.webConcurrency, log);
} else {
  const { serve } = await import('./serve.js');
  await serve(config, log);
}
