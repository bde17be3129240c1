/**
 * What an operation selects on a field's result, read from the resolve info: the names of the
 * fields asked for directly under it, through fragment spreads and inline fragments.
 */
import type { GraphQLResolveInfo, SelectionSetNode } from 'graphql';

/**
 * True when every field selected on this field's result is in `allowed`. Directives are not
 * evaluated: a field under `@skip` still counts, so the answer errs towards "no".
 */
export function selectsOnly(info: GraphQLResolveInfo, allowed: ReadonlySet<string>): boolean {
  // Validation has already refused fragment cycles, so the walk ends.
  const within = (set: SelectionSetNode | undefined): boolean =>
    (set?.selections ?? []).every((selection) => {
      if (selection.kind === 'Field') return allowed.has(selection.name.value);
      if (selection.kind === 'InlineFragment') return within(selection.selectionSet);
      return within(info.fragments[selection.name.value]?.selectionSet);
    });
  return info.fieldNodes.every((node) => within(node.selectionSet));
}

/**
 * True when the field at `path` (names below this field's result, e.g. ['nodes', 'category'])
 * is selected, through fragment spreads and inline fragments. Directives are not evaluated.
 */
export function selects(info: GraphQLResolveInfo, path: readonly string[]): boolean {
  // Validation has already refused fragment cycles, so the walk ends.
  const walk = (set: SelectionSetNode | undefined, depth: number): boolean =>
    (set?.selections ?? []).some((selection) => {
      if (selection.kind === 'InlineFragment') return walk(selection.selectionSet, depth);
      if (selection.kind === 'FragmentSpread') {
        return walk(info.fragments[selection.name.value]?.selectionSet, depth);
      }
      if (selection.name.value !== path[depth]) return false;
      return depth === path.length - 1 || walk(selection.selectionSet, depth + 1);
    });
  return info.fieldNodes.some((node) => walk(node.selectionSet, 0));
}
