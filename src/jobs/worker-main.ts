/** `npm run worker`: a job worker on its own (scale it apart from the API). Needs DATABASE_URL. */
import { REPEATED_SIGNAL_MS } from '../signals.js';
import { createStandaloneRuntime } from './runtime.js';
import { startWorker } from './worker.js';

const runtime = await createStandaloneRuntime();
const worker = await startWorker(runtime, runtime.infra.databaseUrl);
runtime.log.info({ concurrency: runtime.config.worker.concurrency }, 'worker started');

let stopping = false;
let firstSignalAt = 0;
async function shutdown(signal: string) {
  if (stopping) {
    // npm relaying a Ctrl-C the terminal also sent us repeats the first signal.
    if (performance.now() - firstSignalAt < REPEATED_SIGNAL_MS) return;
    runtime.log.warn({ signal }, 'second signal: exiting now');
    process.exit(1);
  }
  stopping = true;
  firstSignalAt = performance.now();
  runtime.log.info({ signal }, 'worker stopping: no new jobs, finishing running ones');
  await worker.stop();
  await runtime.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
