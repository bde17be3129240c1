/**
 * What committed writes tell live subscribers (GraphQL subscriptions): a command reports them to
 * its unit of work, which publishes them once the writes have committed; a job's record reports
 * each transition. They carry ids: a subscriber reads the row as it is then, with its own access
 * checks. A created expense also carries its row as the insert returned it, so subscribers need
 * not read it back: the event is sent as the insert's answer arrives, before anyone could read,
 * change and commit that row elsewhere (unless the writer stalls that long; a stream that has
 * already told of the expense reads it instead).
 */

export type ExpenseChangeKind = 'CREATED' | 'UPDATED' | 'DELETED';

export type DomainEvent =
  | {
      readonly type: 'expense';
      readonly userId: number;
      readonly kind: ExpenseChangeKind;
      readonly expenseId: number;
      /** CREATED: the row as inserted (JSON-safe: numbers, strings and nulls). */
      readonly created?: Readonly<Record<string, unknown>>;
    }
  | { readonly type: 'job'; readonly jobId: number };

/** The topic an event goes out on: a user's expenses, or one job record. */
export function topicOf(event: DomainEvent): string {
  return event.type === 'expense' ? expensesTopic(event.userId) : jobTopic(event.jobId);
}

export const expensesTopic = (userId: number) => `expenses:${userId}`;
export const jobTopic = (jobId: number) => `job:${jobId}`;
