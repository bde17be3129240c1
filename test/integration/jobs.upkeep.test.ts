import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';
import { withSql } from '../helpers/factories.js';
import { eventually } from '../helpers/wait.js';

const t = useTestApp({
  WORKER_ENABLED: 'true',
  WORKER_POLL_INTERVAL_MS: '100',
  JOB_RETENTION_DAYS: '3',
});

async function count(query: string): Promise<number> {
  return withSql(t.databaseUrl, async (sql) => Number((await sql.unsafe(query))[0]?.n));
}

describe('payload validation', () => {
  it.each([
    ['suggest_category', '{"expenseId": "12"}'],
    ['export_expenses', '{"jobRecordId": 1}'],
    ['update_daily_metrics', '{"userId": 1, "day": "yesterday"}'],
    ['send_notification', '{"userId": 1, "event": "unknown", "data": {}}'],
    ['parse_chat_message', 'null'],
  ])('a malformed %s payload fails for good at once, without looping', async (task, payload) => {
    const failedBefore = await t.app.metrics.jobs.runs.get();
    const before =
      failedBefore.values.find((v) => v.labels.task === task && v.labels.outcome === 'failed')
        ?.value ?? 0;
    await withSql(
      t.databaseUrl,
      (sql) => sql`select graphile_worker.add_job(${task}, ${payload}::json)`,
    );
    await eventually(async () =>
      (await count(
        `select count(*) as n from graphile_worker.jobs where task_identifier = '${task}'`,
      )) === 0
        ? true
        : undefined,
    );
    const after =
      (await t.app.metrics.jobs.runs.get()).values.find(
        (v) => v.labels.task === task && v.labels.outcome === 'failed',
      )?.value ?? 0;
    expect(after).toBe(before + 1);
  });
});

describe('prune_jobs', () => {
  it('deletes finished records past the retention period and keeps the rest', async () => {
    const { id } = await t.signUp();
    const userId = Number(Buffer.from(id, 'base64').toString().split(':')[1]);
    await withSql(
      t.databaseUrl,
      (sql) => sql`
      insert into jobs (user_id, kind, state, finished_at) values
        (${userId}, 'parse_chat_message', 'SUCCEEDED', now() - interval '4 days'),
        (${userId}, 'parse_chat_message', 'FAILED', now() - interval '5 days'),
        (${userId}, 'parse_chat_message', 'SUCCEEDED', now() - interval '1 day'),
        (${userId}, 'export_expenses', 'RUNNING', null)`,
    );
    await withSql(
      t.databaseUrl,
      (sql) => sql`select graphile_worker.add_job('prune_jobs', '{}'::json)`,
    );
    await eventually(async () =>
      (await count(`select count(*) as n from jobs where user_id = ${userId}`)) === 2
        ? true
        : undefined,
    );
    expect(
      await count(
        `select count(*) as n from jobs where user_id = ${userId} and finished_at < now() - interval '3 days'`,
      ),
    ).toBe(0);
  });
});
