// Configuration for the stock graphile-worker CLI, against the same database, tasks and crontab
// as the app. Run it through tsx so the TypeScript task files load, e.g.:
//   npm run worker:cli -- --once        (or --schema-only, --cleanup GC_JOB_QUEUES, …)
// Settings come from the app's own config (src/config.ts): DATABASE_URL, WORKER_*.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './src/config.ts';

const root = path.dirname(fileURLToPath(import.meta.url));
const config = loadConfig();

/** @type {GraphileConfig.Preset} */
const preset = {
  worker: {
    connectionString: config.databaseUrl,
    taskDirectory: path.join(root, 'src/jobs/tasks'),
    fileExtensions: ['.ts', '.js'],
    crontabFile: path.join(root, 'crontab'),
    concurrentJobs: config.worker.concurrency,
    pollInterval: config.worker.pollIntervalMs,
  },
};

export default preset;
