/**
 * What a user can do to their categories: create, update (name, color, keywords), delete (its
 * expenses stay, uncategorized). Names are unique per user, case aside; a lost race on the
 * unique index is the same bad input as a clash found first.
 */
import type { Viewer } from '../../auth/viewer.js';
import type { Executor } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import {
  deleteCategory as deleteCategoryRow,
  findCategoryNameClash,
  insertCategories,
  replaceKeywords,
  updateCategory as updateCategoryRow,
} from '../../db/queries/categories.js';
import { uncategorizeExpenses } from '../../db/queries/expenses.js';
import { expensesChanged } from '../../db/queries/rollups.js';
import type { CategoryRow } from '../../db/schema/categories.js';
import { badInput, notFound } from '../errors.js';
import { requireId } from '../ids.js';
import type { UnitOfWork } from '../unit-of-work.js';
import * as check from '../validate.js';

export interface CategoryDeps {
  readonly uow: UnitOfWork<Executor>;
  /** Reads outside the unit of work (the name check). */
  readonly db: Executor;
  /** Categories by id, batched (null: none with that id). */
  readonly categories: (ids: readonly number[]) => Promise<readonly (CategoryRow | null)[]>;
  /** How long a day's rollup waits for more changes to the same day. */
  readonly rollupDebounceMs: number;
}

export interface NewCategoryInput {
  readonly name: string;
  readonly color?: string | null;
  readonly keywords?: readonly string[] | null;
}

export interface CategoryChangeInput {
  /** The Category's global ID. */
  readonly id: string;
  readonly name?: string | null;
  /** null clears it. */
  readonly color?: string | null;
  /** Replaces every keyword when given. */
  readonly keywords?: readonly string[] | null;
}

const clash = (name: string) => badInput(`You already have a category named "${name}"`, 'name');

async function uniqueName(deps: CategoryDeps, userId: number, name: string, exceptId?: number) {
  if (await findCategoryNameClash(deps.db, userId, name, exceptId)) throw clash(name);
}

/** A lost race on the unique (user, lower(name)) index is the same bad input, not a 500. */
async function guardNameRace<T>(name: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw clash(name);
    throw error;
  }
}

export async function createCategory(
  deps: CategoryDeps,
  viewer: Viewer,
  input: NewCategoryInput,
): Promise<CategoryRow> {
  const name = check.text(input.name, 'name', 100);
  const color = check.color(input.color ?? null, 'color');
  const keywords = check.keywords(input.keywords ?? [], 'keywords');
  await uniqueName(deps, viewer.id, name);
  const [category] = await guardNameRace(name, () =>
    deps.uow.transaction(async (tx, changed) => {
      const rows = await insertCategories(tx, [{ userId: viewer.id, name, color, keywords }]);
      changed.user(viewer.id);
      return rows;
    }),
  );
  if (!category) throw new Error('insert returned no category');
  return category;
}

/** The updated category, and its keywords when they were replaced. */
export async function updateCategory(
  deps: CategoryDeps,
  viewer: Viewer,
  input: CategoryChangeInput,
): Promise<{ category: CategoryRow; keywords: string[] | null }> {
  const id = requireId(input.id, 'Category', 'id');
  const patch: { name?: string; color?: string | null } = {};
  if (input.name != null) patch.name = check.text(input.name, 'name', 100);
  if (input.color !== undefined) patch.color = check.color(input.color, 'color');
  const keywords = input.keywords == null ? null : check.keywords(input.keywords, 'keywords');
  const [existing] = await deps.categories([id]);
  if (!existing || existing.userId !== viewer.id) throw notFound('Category');
  if (patch.name !== undefined) await uniqueName(deps, viewer.id, patch.name, id);
  const category = await guardNameRace(patch.name ?? existing.name, () =>
    deps.uow.transaction(async (tx, changed) => {
      const row = await updateCategoryRow(tx, viewer.id, id, patch);
      if (!row) return undefined;
      if (keywords) await replaceKeywords(tx, id, keywords);
      changed.user(viewer.id);
      changed.entity(['category', id]);
      changed.entity(['keywords', id]);
      return row;
    }),
  );
  if (!category) throw notFound('Category');
  return { category, keywords };
}

/** Deletes one of the viewer's categories; its expenses stay, uncategorized. Returns its id. */
export async function deleteCategory(
  deps: CategoryDeps,
  viewer: Viewer,
  globalId: string,
): Promise<number> {
  const id = requireId(globalId, 'Category', 'id');
  const deleted = await deps.uow.transaction(async (tx, changed) => {
    const uncategorized = await uncategorizeExpenses(tx, viewer.id, id);
    const removed = await deleteCategoryRow(tx, viewer.id, id);
    if (!removed) return false;
    const days = uncategorized.map((expense) => expense.expenseDate);
    await expensesChanged(tx, viewer.id, days, deps.rollupDebounceMs);
    changed.user(viewer.id);
    changed.jobs();
    changed.entity(['category', id]);
    changed.entity(['keywords', id]);
    // Its expenses are uncategorized now: their live subscribers hear each of them change.
    for (const expense of uncategorized) {
      changed.event({ type: 'expense', userId: viewer.id, kind: 'UPDATED', expenseId: expense.id });
    }
    return true;
  });
  if (!deleted) throw notFound('Category');
  return id;
}
