/** Process entry: load config, build the app, listen; stop cleanly on SIGINT/SIGTERM. */
import { createServer } from 'node:http';
import { createApp } from './app.js';
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
const app = await createApp(config, log);
const server = createServer(app.handle);
server.listen(config.port, config.host, () => {
  log.info(
    `Ledgerline GraphQL (GraphiQL in a browser) at http://${config.host}:${config.port}/graphql`,
  );
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) {
    log.warn({ signal }, 'second signal: exiting now');
    process.exit(1);
  }
  stopping = true;
  log.info({ signal }, 'shutting down');
  server.close();
  server.closeIdleConnections();
  await app.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
