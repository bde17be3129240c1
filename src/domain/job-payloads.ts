/**
 * Every task's payload schema (validated before a task runs: a malformed payload fails
 * permanently) and its queue options. `GraphileWorker.Tasks` makes `addJob` type-check payloads.
 */
import { z } from 'zod';

const id = z.number().int().positive();
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const payloadSchemas = {
  suggest_category: z.object({ expenseId: id }).strict(),
  parse_chat_message: z
    .object({ jobRecordId: id, userId: id, text: z.string().min(1).max(2000) })
    .strict(),
  export_expenses: z.object({ jobRecordId: id, userId: id, exportId: id }).strict(),
  update_daily_metrics: z.object({ userId: id, day: date }).strict(),
  rollup_user: z.object({ userId: id }).strict(),
  send_notification: z
    .object({
      userId: id,
      event: z.enum(['export_ready', 'budget_exceeded']),
      data: z.record(z.unknown()),
    })
    .strict(),
  prune_jobs: z.object({}).passthrough(),
  recompute_yesterday: z.object({}).passthrough(),
} as const;

export type TaskName = keyof typeof payloadSchemas;
export type Payload<T extends TaskName> = z.infer<(typeof payloadSchemas)[T]>;

declare global {
  namespace GraphileWorker {
    interface Tasks {
      suggest_category: Payload<'suggest_category'>;
      parse_chat_message: Payload<'parse_chat_message'>;
      export_expenses: Payload<'export_expenses'>;
      update_daily_metrics: Payload<'update_daily_metrics'>;
      rollup_user: Payload<'rollup_user'>;
      send_notification: Payload<'send_notification'>;
      prune_jobs: Payload<'prune_jobs'>;
      recompute_yesterday: Payload<'recompute_yesterday'>;
    }
  }
}

/** Lower priority numbers run first: what a user waits for goes before rollups and upkeep. */
export const taskOptions: Record<TaskName, { priority: number; maxAttempts: number }> = {
  suggest_category: { priority: 0, maxAttempts: 5 },
  parse_chat_message: { priority: 0, maxAttempts: 5 },
  export_expenses: { priority: 1, maxAttempts: 5 },
  send_notification: { priority: 2, maxAttempts: 8 },
  update_daily_metrics: { priority: 5, maxAttempts: 10 },
  rollup_user: { priority: 9, maxAttempts: 5 },
  prune_jobs: { priority: 9, maxAttempts: 3 },
  recompute_yesterday: { priority: 9, maxAttempts: 3 },
};
