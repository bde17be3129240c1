/** The expense connection shared by User.expenses and Category.expenses. */

import type { GraphQLResolveInfo } from 'graphql';
import { type ExpenseOrder, type ExpenseOwner, expenseSortValue } from '../db/queries/expenses.js';
import type { ExpenseRow } from '../db/schema/expenses.js';
import { expenseCountKey } from '../loaders/create-loaders.js';
import type { Context } from './context.js';
import type { NestedConnection, PlanInfo } from './nested-connections.js';
import {
  beyondCursorWindow,
  buildConnection,
  type ConnectionArgs,
  type ConnectionResult,
  encodeCursor,
  parseConnectionArgs,
} from './pagination.js';
import { rowFieldNames, selects } from './selection.js';
import { parseExpenseFilter } from './types/expense-filter.js';

export interface ExpenseListArgs extends ConnectionArgs {
  readonly filter?: Parameters<typeof parseExpenseFilter>[0];
  readonly orderBy?: ExpenseOrder | null;
}

/** The columns each field of an Expense reads (besides its ids, which every row carries). */
const FIELD_COLUMNS: Readonly<Record<string, readonly (keyof ExpenseRow)[]>> = {
  __typename: [],
  id: [],
  amount: ['amount'],
  currency: ['currency'],
  description: ['description'],
  merchant: ['merchant'],
  date: ['expenseDate'],
  categorySource: ['categorySource'],
  category: [],
  user: [],
  createdAt: ['createdAt'],
  updatedAt: ['updatedAt'],
};

/**
 * The columns the selection reads, when it names only Expense fields known here (a narrow
 * selection, such as a fan-out's amounts and dates, then parses a third of each row); undefined
 * reads whole rows.
 */
function selectedColumns(info: PlanInfo): (keyof ExpenseRow)[] | undefined {
  const columns = new Set<keyof ExpenseRow>();
  for (const name of rowFieldNames(info)) {
    const read = FIELD_COLUMNS[name];
    if (!read) return undefined;
    for (const column of read) columns.add(column);
  }
  return [...columns];
}

/** What a list field's arguments and selection ask, the same for every parent. */
function listPlan(owner: ExpenseOwner, args: ExpenseListArgs, info: PlanInfo) {
  const order = args.orderBy ?? 'DATE_DESC';
  const page = parseConnectionArgs(args, order);
  const filter = parseExpenseFilter(args.filter);
  // The page statement brings along what the selection shows: the total, and for a user's list
  // the categories (a category's list does not need them: its owner is that category, loaded).
  const include = {
    withCategories:
      owner === 'user' && (selects(info, 'nodes.category') || selects(info, 'edges.node.category')),
    withTotal: selects(info, 'totalCount'),
    columns: selectedColumns(info),
  };
  return { owner, order, page, filter, include };
}

function expenseConnection(
  ctx: Context,
  { owner, order, page, filter }: ReturnType<typeof listPlan>,
  ownerId: number,
  rows: readonly ExpenseRow[],
): ConnectionResult<ExpenseRow> {
  const list = { ownerId, owner, filter, order };
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

export async function resolveExpenseList(
  ctx: Context,
  owner: ExpenseOwner,
  ownerId: number,
  args: ExpenseListArgs,
  info: GraphQLResolveInfo,
): Promise<ConnectionResult<ExpenseRow>> {
  const plan = listPlan(owner, args, info);
  const { order, page, filter, include } = plan;
  const rows = await ctx.loaders.expensesByOwner.load({
    ownerId,
    owner,
    filter,
    order,
    window: page.window,
    include,
  });
  return expenseConnection(ctx, plan, ownerId, rows);
}

/** A user's or a category's expenses, planned for all the parents of a list at once. */
export function nestedExpenses(
  owner: ExpenseOwner,
): NestedConnection<{ readonly id: number }, ExpenseRow> {
  return {
    rowType: 'Expense',
    async fetchAll(ctx, parents, args, info) {
      const plan = listPlan(owner, args as ExpenseListArgs, info);
      const { order, page, filter, include } = plan;
      const pages = await ctx.loaders.pages.expensesByOwner(
        [...new Set(parents.map((parent) => parent.id))],
        { owner, filter, order, window: page.window, include },
      );
      return new Map(
        parents.map((parent) => [
          parent,
          expenseConnection(ctx, plan, parent.id, pages.get(parent.id) ?? []),
        ]),
      );
    },
  };
}
