/** `npm run worker`: a job worker on its own (scale it apart from the API). Needs DATABASE_URL. */
import { createStandaloneRuntime } from './runtime.js';
import { startWorker } from './worker.js';

const runtime = await createStandaloneRuntime();
const worker = await startWorker(runtime, runtime.databaseUrl);
runtime.log.info({ concurrency: runtime.config.worker.concurrency }, 'worker started');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) {
    runtime.log.warn({ signal }, 'second signal: exiting now');
    process.exit(1);
  }
  stopping = true;
  runtime.log.info({ signal }, 'worker stopping: no new jobs, finishing running ones');
  await worker.stop();
  await runtime.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
