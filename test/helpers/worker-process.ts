/** `npm run worker` as a child process, so a test can SIGKILL or SIGTERM it. */
import { type ChildProcess, spawn } from 'node:child_process';
import { databaseSettings } from './pooler.js';

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

export function spawnWorker(databaseUrl: string, env: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/jobs/worker-main.ts'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      NODE_ENV: 'test',
      ...databaseSettings(databaseUrl),
      LOG_LEVEL: 'silent',
      CACHE_ENABLED: 'false',
      WORKER_POLL_INTERVAL_MS: '100',
      WORKER_HEARTBEAT_MS: '200',
      WORKER_STALE_AFTER_MS: '1500',
      ...env,
    },
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, exited };
}
