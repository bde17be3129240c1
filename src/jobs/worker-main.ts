/** `npm run worker`: a job worker on its own (scale it apart from the API). Needs DATABASE_URL. */
import { configOrExit, orExit, parseCli } from '../cli.js';
import type { Logger } from '../logger.js';
import { REPEATED_SIGNAL_MS } from '../signals.js';
import { startTracing } from '../telemetry.js';
import { createStandaloneRuntime } from './runtime.js';
import { startWorker } from './worker.js';

parseCli({
  command: 'npm run worker',
  usage: `Usage: npm run worker
Runs the job worker on its own (WORKER_CONCURRENCY jobs at once) against DATABASE_URL, which
must be set and migrated (npm run db:migrate); stops cleanly on SIGINT/SIGTERM.
  -h, --help   this text`,
  options: {},
});
const config = configOrExit();
if (!config.databaseUrl) {
  console.error('Configuration error: DATABASE_URL must be set to run a worker on its own');
  process.exit(2);
}
const databaseUrl = config.databaseUrl;
// Started before the signal handlers are in place would leave a window in which graphile-worker
// already runs jobs but a SIGTERM kills the process outright (the fault tests hit it on a busy
// machine): the handlers come first, and a signal during start-up drains once it is up.
const ready = (async () => {
  const tracing = await startTracing(config.telemetry);
  const runtime = await orExit('start the worker', () => createStandaloneRuntime(config));
  const worker = await orExit('start the worker', () =>
    startWorker(runtime, config.databaseDirectUrl ?? databaseUrl),
  );
  return { tracing, runtime, worker };
})();
/** Set once started: a second signal during start-up exits without a log line. */
let log: Logger | undefined;
let stopping = false;
let firstSignalAt = 0;
async function shutdown(signal: string) {
  if (stopping) {
    // npm relaying a Ctrl-C the terminal also sent us repeats the first signal.
    if (performance.now() - firstSignalAt < REPEATED_SIGNAL_MS) return;
    log?.warn({ signal }, 'second signal: exiting now');
    process.exit(1);
  }
  stopping = true;
  firstSignalAt = performance.now();
  const { tracing, runtime, worker } = await ready;
  runtime.log.info({ signal }, 'worker stopping: no new jobs, finishing running ones');
  await worker.stop();
  await runtime.close();
  await tracing?.shutdown();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

const { runtime } = await ready;
log = runtime.log;
runtime.log.info({ concurrency: runtime.config.worker.concurrency }, 'worker started');
