/** src/main.ts as a child process, through tsx (build.compiled-start.test.ts runs the build). */
import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from '../../src/free-port.js';
import { databaseSettings } from './pooler.js';

/** Starts src/main.ts on its own port and waits until it answers /health or exits. */
export async function startServer(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; base: string; port: number; exited: Promise<number | null> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      ...databaseSettings(databaseUrl),
      PORT: String(port),
      // The same secret as the in-process test app, so its tokens work here.
      JWT_SECRET: 'test-secret-test-secret-test-secret!',
      ...env,
    },
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const base = `http://127.0.0.1:${port}`;
  // Until it answers or exits (the test's hook timeout bounds a start that does neither): a
  // loaded machine may take many seconds to start it.
  while (child.exitCode === null) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, base, port, exited };
}
