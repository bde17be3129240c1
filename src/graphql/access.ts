/** Who may see and change what: the rules every resolver applies. */
import { brandWithType } from '@pothos/core';
import type DataLoader from 'dataloader';
import { unauthenticated, userError } from '../domain/errors.js';
import type { Context, Viewer } from './context.js';

/** A user sees their own rows; an admin may read everyone's. */
export function canRead(viewer: Viewer | null, ownerId: number): boolean {
  return viewer !== null && (viewer.id === ownerId || viewer.role === 'admin');
}

/** Rows the viewer may not read answer as if they did not exist. */
export function readable<T>(
  viewer: Viewer | null,
  row: T | null,
  ownerOf: (row: T) => number,
): T | null {
  return row !== null && canRead(viewer, ownerOf(row)) ? row : null;
}

export function requireViewer(ctx: Context): Viewer {
  if (!ctx.viewer) throw unauthenticated();
  return ctx.viewer;
}

export function requireAdmin(ctx: Context): Viewer {
  const viewer = requireViewer(ctx);
  if (viewer.role !== 'admin') throw userError('FORBIDDEN', 'Only administrators may do this');
  return viewer;
}

/**
 * Loads rows by id for `node`/`nodes`: each row the viewer may not read becomes null. Rows are
 * branded with their GraphQL type here: the relay plugin brands them only after the batch, and
 * a second `node` field asking for the same id in the same operation gets the row before that
 * (it then failed with "Abstract type Node must resolve to an Object type").
 */
export async function loadReadable<T>(
  ctx: Context,
  typename: string,
  loader: DataLoader<number, T | null>,
  ids: readonly (string | number)[],
  ownerOf: (row: T) => number,
): Promise<(T | null)[]> {
  const rows = await loader.loadMany(ids.map(Number));
  return rows.map((row) => {
    const visible = row instanceof Error ? null : readable(ctx.viewer, row, ownerOf);
    if (visible !== null) brandWithType(visible, typename as never);
    return visible;
  });
}

/** Categories by id through this request's loader, for commands checking ownership. */
export function categoriesById(ctx: Context) {
  return async (ids: readonly number[]) =>
    (await ctx.loaders.categoryById.loadMany(ids)).map((row) => {
      if (row instanceof Error) throw row;
      return row;
    });
}
