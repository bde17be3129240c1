import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/free-port.js';
import { useTestApp } from '../helpers/app.js';

const t = useTestApp();

describe('graceful shutdown', () => {
  it('turns /ready to 503 as soon as shutdown begins', async () => {
    expect((await t.fetch('/ready')).status).toBe(200);
    t.app.beginShutdown();
    const response = await t.fetch('/ready');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'shutting down' });
  });

  it('the server process exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_URL: t.databaseUrl,
        PORT: String(port),
        JWT_SECRET: 'x'.repeat(40),
      },
    });
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 200; i++) {
      try {
        if ((await fetch(`${base}/health`)).ok) break;
      } catch {}
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
