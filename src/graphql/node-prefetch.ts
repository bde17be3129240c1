/**
 * Lookahead for `node(id)` and `nodes(ids)`: an expense whose selection shows its category is
 * read with its category in one statement, which primes both by-id loaders, so resolving the
 * node and then its category sends nothing more. Access is still decided where the node
 * resolves (an expense's category is its owner's own, readable exactly when the expense is).
 */
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from './context.js';
import { selects } from './selection.js';

interface GlobalId {
  readonly typename: string;
  readonly id: string;
}

/** Reads ahead what the selection under `node`/`nodes` needs; resolves once it is loaded. */
export async function prefetchNodes(
  ctx: Context,
  info: GraphQLResolveInfo,
  ids: readonly GlobalId[],
): Promise<void> {
  const expenses = ids.filter((id) => id.typename === 'Expense');
  if (expenses.length === 0 || !selects(info, 'category')) return;
  await ctx.loaders.expenseWithCategoryById.loadMany(expenses.map((id) => Number(id.id)));
}
