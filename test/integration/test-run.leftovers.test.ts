/**
 * A failed test run leaves no process behind: a run of its own whose only test starts a process
 * and fails before stopping it ends with that process gone.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Running, as opposed to gone or a zombie waiting for a parent to collect it. */
function running(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  const text = readFileSync(stat, 'latin1');
  return text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3) !== 'Z';
}

it.runIf(process.platform === 'linux')(
  'a process started by a failing test is killed when the run ends',
  async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ledgerline-leftovers-'));
    dirs.push(dir);
    const pidFile = path.join(dir, 'child.pid');
    const run = spawn(
      process.execPath,
      [
        'node_modules/vitest/vitest.mjs',
        'run',
        '--config',
        'test/fixtures/vitest.leftovers.config.ts',
      ],
      { stdio: 'ignore', env: { ...process.env, LEFTOVER_PID_FILE: pidFile } },
    );
    const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));
    expect(code).toBe(1);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(pid).toBeGreaterThan(0);
    let alive = running(pid);
    // SIGKILL lands at once; tolerate a moment for the kernel to tear the process down.
    for (let i = 0; i < 100 && alive; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      alive = running(pid);
    }
    if (alive) process.kill(pid, 'SIGKILL');
    expect(alive).toBe(false);
  },
  120_000,
);
