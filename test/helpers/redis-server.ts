/**
 * A Redis server of the test's own on a free port, so a test can stop and restart it without
 * disturbing the shared one other test files use.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/free-port.js';

export interface OwnRedis {
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * `dir`: where Redis keeps its snapshot (`SAVE` writes it, a restart loads it), as a server with
 * persistence would; without it the server keeps nothing across a restart.
 */
export async function startOwnRedis(options: { dir?: string } = {}): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--enable-debug-command',
        'yes',
        ...(options.dir ? ['--dir', options.dir, '--dbfilename', 'dump.rdb'] : []),
      ],
      {
        stdio: 'ignore',
      },
    );
    // Until it answers or exits: a busy machine may take seconds, a broken start never ends.
    const started = child;
    while (started.exitCode === null && !(await reachable(port))) await sleep(50);
    if (started.exitCode !== null) throw new Error(`redis-server exited with ${started.exitCode}`);
  };
  const stop = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, start, stop };
}
