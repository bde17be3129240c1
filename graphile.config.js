// Configuration for the stock graphile-worker CLI, against the same database, tasks and crontab
// as the app, on the compiled files in dist/ (npm install builds them, and so does `npm run
// worker:cli` first; the Docker image has them): plain JavaScript, so `npx graphile-worker` loads
// it without a TypeScript loader. For example:
//   npm run worker:cli -- --once        (or --schema-only, --cleanup GC_JOB_QUEUES, …)
//   npx graphile-worker --once
// Settings come from the app's own config (dist/config.js): DATABASE_URL, WORKER_*.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
if (!existsSync(path.join(root, 'dist/config.js'))) {
  throw new Error('dist/ is missing: run `npm run build` first (npm install and npm start do)');
}
const { loadConfig } = await import('./dist/config.js');
const { createPool } = await import('./dist/db/client.js');
const { RELAY_BATCH, relayOutbox } = await import('./dist/db/queries/job-queue.js');
const { closeEnvironmentJobRuntime } = await import('./dist/jobs/runtime.js');

const config = loadConfig();

/**
 * Jobs that API processes queued through the outbox (dist/db/outbox-relay.js) reach
 * graphile-worker only through a relay; the CLI relays what is waiting when it starts, so
 * `--once` runs them too (a running gateway or worker relays the rest as they come). When the
 * workers stop, the tasks' runtime closes, so `--once` exits as soon as its jobs are done.
 */
let workers = 0;
const ledgerline = {
  name: 'Ledgerline',
  version: '1.0.0',
  worker: {
    hooks: {
      startWorker() {
        workers++;
      },
      // With several workers (WORKER_CONCURRENCY), the last one to stop closes the runtime.
      async stopWorker() {
        if (--workers === 0) await closeEnvironmentJobRuntime();
      },
      async postmigrate() {
        const pool = createPool(config.databaseUrl, config.db, 'ledgerline-worker-cli');
        try {
          while ((await relayOutbox(pool)) === RELAY_BATCH) {}
        } finally {
          await pool.end({ timeout: 5 });
        }
      },
    },
  },
};

/** @type {GraphileConfig.Preset} */
const preset = {
  plugins: [ledgerline],
  worker: {
    // A session connection: graphile-worker LISTENs (DATABASE_DIRECT_URL behind PgBouncer).
    connectionString: config.databaseDirectUrl ?? config.databaseUrl,
    taskDirectory: path.join(root, 'dist/jobs/tasks'),
    fileExtensions: ['.js'],
    crontabFile: path.join(root, 'crontab'),
    concurrentJobs: config.worker.concurrency,
    pollInterval: config.worker.pollIntervalMs,
  },
};

export default preset;
