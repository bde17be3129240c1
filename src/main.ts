/**
 * Process entry: load the config, then serve (serve.ts), or with WEB_CONCURRENCY > 1 become the
 * cluster primary (cluster/primary.ts), which forks that many serving processes.
 */
import cluster from 'node:cluster';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';

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
if (cluster.isPrimary && config.webConcurrency > 1) {
  // Imported here, so the primary never loads the app.
  const { runPrimary } = await import('./cluster/primary.js');
  runPrimary(config.webConcurrency, log);
} else {
  const { serve } = await import('./serve.js');
  await serve(config, log);
}
