/**
 * A field that returns a User reads the user's row only when the selection needs one of its
 * columns: the relations (categories, expenses, …) and `id` need only the id, which the caller
 * already holds (a verified token, an expense's foreign key).
 */
import type { GraphQLResolveInfo } from 'graphql';
import type { UserProfile } from '../db/schema/users.js';
import type { Context } from './context.js';
import { selectsOnly } from './selection.js';

/** User fields that read only `id` from the row (relations keyed by the user). */
const ID_ONLY_FIELDS: ReadonlySet<string> = new Set([
  '__typename',
  'id',
  'categories',
  'expenses',
  'summary',
  'dailyMetrics',
  'exports',
]);

/** The user `id` as the selection needs it: `{ id }` alone, or the loaded row. */
export function userForSelection(
  ctx: Context,
  id: number,
  info: GraphQLResolveInfo,
): Promise<UserProfile | null> | UserProfile {
  if (selectsOnly(info, ID_ONLY_FIELDS)) return { id } as UserProfile;
  return ctx.loaders.userById.load(id);
}
