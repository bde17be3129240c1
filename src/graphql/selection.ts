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
  const seen = new Set<string>();
  const within = (set: SelectionSetNode | undefined): boolean =>
    (set?.selections ?? []).every((selection) => {
      if (selection.kind === 'Field') return allowed.has(selection.name.value);
      if (selection.kind === 'InlineFragment') return within(selection.selectionSet);
      const name = selection.name.value;
      if (seen.has(name)) return true;
      seen.add(name);
      return within(info.fragments[name]?.selectionSet);
    });
  return info.fieldNodes.every((node) => within(node.selectionSet));
}
