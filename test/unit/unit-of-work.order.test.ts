/**
 * The order of what a unit of work does after its commit: a live event goes out right behind
 * the invalidation's Redis command (Redis runs one connection's commands in order), without
 * waiting for its answer; when the invalidation could not be sent at once (the cache is
 * suspended), the events wait until it is done. The command resolves only after both.
 */
import { describe, expect, it } from 'vitest';
import type { RequestDb } from '../../src/db/client.js';
import { createUnitOfWork } from '../../src/db/unit-of-work.js';

function harness(sent: boolean) {
  const log: string[] = [];
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = () => {
      log.push('invalidation answered');
      resolve();
    };
  });
  const uow = createUnitOfWork({} as RequestDb, {
    invalidation: {
      invalidate(changes) {
        log.push(`invalidate users ${[...changes.users].join(',')}`);
        return { sent, done };
      },
    },
    outbox: { nudge: () => {} },
    events: { publish: (event) => log.push(`publish ${event.type}`) },
  });
  const command = uow.statement(async (_db, changed) => {
    changed.user(7);
    changed.event({ type: 'expense', kind: 'CREATED', expenseId: 1, userId: 7 });
    return 'ok';
  });
  let settled = false;
  void command.then(() => {
    settled = true;
  });
  return { log, finish, command, settled: () => settled };
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('unit of work: after the commit', () => {
  it('publishes events right behind a sent invalidation, before its answer, and resolves after it', async () => {
    const run = harness(true);
    await turns(5);
    expect(run.log).toEqual(['invalidate users 7', 'publish expense']);
    expect(run.settled()).toBe(false);
    run.finish();
    await expect(run.command).resolves.toBe('ok');
  });

  it('holds events until an invalidation that could not be sent at once is done', async () => {
    const run = harness(false);
    await turns(5);
    expect(run.log).toEqual(['invalidate users 7']);
    run.finish();
    await expect(run.command).resolves.toBe('ok');
    expect(run.log).toEqual(['invalidate users 7', 'invalidation answered', 'publish expense']);
  });
});
