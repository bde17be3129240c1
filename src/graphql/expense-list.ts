/** The expense connection shared by User.expenses and Category.expenses. */

import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context.js';
import { type ExpenseOrder, type ExpenseOwner, expenseSortValue } from '../db/queries/expenses.js';
import type { ExpenseRow } from '../db/schema/expenses.js';
import { expenseCountKey } from '../loaders/create-loaders.js';
import {
  beyondCursorWindow,
  buildConnection,
  type ConnectionArgs,
  type ConnectionResult,
  encodeCursor,
  parseConnectionArgs,
} from './pagination.js';
import { selects } from './selection.js';
import { parseExpenseFilter } from './types/expense-filter.js';

export interface ExpenseListArgs extends ConnectionArgs {
  readonly filter?: Parameters<typeof parseExpenseFilter>[0];
  readonly orderBy?: ExpenseOrder | null;
}

export async function resolveExpenseList(
  ctx: Context,
  owner: ExpenseOwner,
  ownerId: number,
  args: ExpenseListArgs,
  info: GraphQLResolveInfo,
): Promise<ConnectionResult<ExpenseRow>> {
  const order = args.orderBy ?? 'DATE_DESC';
  const page = parseConnectionArgs(args, order);
  const filter = parseExpenseFilter(args.filter);
  const list = { ownerId, owner, filter, order };
  // The page statement brings along what the selection shows: the total, and for a user's list
  // the categories (a category's list does not need them: its owner is that category, loaded).
  const include = {
    withCategories:
      owner === 'user' && (selects(info, 'nodes.category') || selects(info, 'edges.node.category')),
    withTotal: selects(info, 'totalCount'),
  };
  const rows = await ctx.loaders.expensesByOwner.load({ ...list, window: page.window, include });
  return buildConnection(
    rows,
    page,
    (row) => encodeCursor(order, expenseSortValue(row, order), row.id),
    async () =>
      (await ctx.loaders.expensesByOwner.load({ ...list, window: beyondCursorWindow(page) }))
        .length > 0,
    () => ctx.loaders.expenseCountByOwner.load(expenseCountKey(ownerId, owner, filter)),
  );
}
