/**
 * Subscription.expenseChanged: the viewer's own expenses as they change, from any instance
 * (created, updated, re-categorized by a suggestion job, deleted), with the expense as it is now
 * or the deleted one's id.
 */
import { findExpensesByIds } from '../../db/queries/expenses.js';
import type { ExpenseRow } from '../../db/schema/expenses.js';
import { type ExpenseChangeKind, expensesTopic } from '../../domain/events.js';
import { encodeGlobalId } from '../../domain/ids.js';
import { requireViewer } from '../access.js';
import { builder } from '../builder.js';
import { eventStream } from '../live.js';
import { ExpenseRef } from '../refs.js';

interface ExpenseChange {
  readonly kind: ExpenseChangeKind;
  readonly expenseId: number;
  readonly userId: number;
  /** The event as the bus delivered it: one object for every stream of the process. */
  readonly source: object;
  /** A creation's row, from the event, when this stream has told nothing of the expense yet. */
  readonly created: ExpenseRow | undefined;
}

/**
 * Expenses a stream has told of recently: a creation heard after another event of the same
 * expense (published late) is read like an update, never shown as the older row it carries.
 */
const TOLD_PER_STREAM = 1000;

/**
 * One read of the changed expense per event and process, however many of the user's streams
 * (tabs, devices) it reaches: 20 streams made 20 reads of the same row.
 */
const reads = new WeakMap<object, Promise<ExpenseRow | undefined>>();

const ExpenseChangeKindEnum = builder.enumType('ExpenseChangeKind', {
  values: ['CREATED', 'UPDATED', 'DELETED'] as const,
});

const ExpenseChangeRef = builder.objectRef<ExpenseChange>('ExpenseChange').implement({
  fields: (t) => ({
    kind: t.field({ type: ExpenseChangeKindEnum, resolve: (change) => change.kind }),
    expense: t.field({
      type: ExpenseRef,
      nullable: true,
      description: 'The expense as it is now; null once deleted.',
      resolve: async (change, _args, ctx) => {
        if (change.kind === 'DELETED') return null;
        if (change.created) return change.created.userId === change.userId ? change.created : null;
        let read = reads.get(change.source);
        if (!read) {
          read = findExpensesByIds(ctx.live().sql, [change.expenseId]).then(([row]) => row);
          reads.set(change.source, read);
        }
        const row = await read;
        return row && row.userId === change.userId ? row : null;
      },
    }),
    deletedId: t.id({
      nullable: true,
      description: 'The id of a deleted expense.',
      resolve: (change) =>
        change.kind === 'DELETED' ? encodeGlobalId('Expense', change.expenseId) : null,
    }),
  }),
});

builder.subscriptionField('expenseChanged', (t) =>
  t.field({
    type: ExpenseChangeRef,
    description: "The viewer's own expenses as they change, on any instance.",
    subscribe: (_root, _args, ctx) => {
      const viewer = requireViewer(ctx);
      // A Set, oldest first, rather than an LRU cache: that allocates its capacity up front, for
      // each of thousands of open streams.
      const told = new Set<number>();
      return eventStream(ctx, expensesTopic(viewer.id), viewer.id, (event) => {
        // The topic is the viewer's own; the check keeps it so whatever reaches it.
        if (event.type !== 'expense' || event.userId !== viewer.id) return undefined;
        const fresh = event.kind === 'CREATED' && !told.has(event.expenseId);
        told.add(event.expenseId);
        if (told.size > TOLD_PER_STREAM) told.delete(told.values().next().value as number);
        return {
          kind: event.kind,
          expenseId: event.expenseId,
          userId: event.userId,
          source: event,
          created: fresh ? (event.created as ExpenseRow | undefined) : undefined,
        };
      });
    },
    resolve: (change) => change,
  }),
);
