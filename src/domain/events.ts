/**
 * What committed writes tell live subscribers (GraphQL subscriptions): a command reports them to
 * its unit of work, which publishes them once the writes have committed; a job's record reports
 * each transition. They carry ids, never rows: a subscriber reads the row as it is then, with its
 * own access checks.
 */

export type ExpenseChangeKind = 'CREATED' | 'UPDATED' | 'DELETED';

export type DomainEvent =
  | {
      readonly type: 'expense';
      readonly userId: number;
      readonly kind: ExpenseChangeKind;
      readonly expenseId: number;
    }
  | { readonly type: 'job'; readonly jobId: number };

/** The topic an event goes out on: a user's expenses, or one job record. */
export function topicOf(event: DomainEvent): string {
  return event.type === 'expense' ? expensesTopic(event.userId) : jobTopic(event.jobId);
}

export const expensesTopic = (userId: number) => `expenses:${userId}`;
export const jobTopic = (jobId: number) => `job:${jobId}`;
