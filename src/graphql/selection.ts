/**
 * What an operation selects on a field's result, read from the resolve info: the names of the
 * fields asked for directly under it, through fragment spreads and inline fragments.
 */
import type { FieldNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';

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

/** Answers of `selects` by field node and path: the same for every parent of a list's items. */
const answers = new WeakMap<FieldNode, Map<string, boolean>>();

/**
 * True when the field at `path` (dotted names below this field's result, e.g. 'nodes.category')
 * is selected, through fragment spreads and inline fragments. Directives are not evaluated.
 *
 * A field node belongs to a parsed document, which its fragments belong to too, so the answer is
 * kept per node: a nested list asks once per parent row (350 times in the admin fan-out).
 */
export function selects(
  info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>,
  path: string,
): boolean {
  // Merged fields (several nodes) are rare: those are walked every time.
  const node = info.fieldNodes.length === 1 ? info.fieldNodes[0] : undefined;
  const known = node && answers.get(node);
  const answer = known?.get(path);
  if (answer !== undefined) return answer;
  const names = path.split('.');
  // Validation has already refused fragment cycles, so the walk ends.
  const walk = (set: SelectionSetNode | undefined, depth: number): boolean =>
    (set?.selections ?? []).some((selection) => {
      if (selection.kind === 'InlineFragment') return walk(selection.selectionSet, depth);
      if (selection.kind === 'FragmentSpread') {
        return walk(info.fragments[selection.name.value]?.selectionSet, depth);
      }
      if (selection.name.value !== names[depth]) return false;
      return depth === names.length - 1 || walk(selection.selectionSet, depth + 1);
    });
  const found = info.fieldNodes.some((field) => walk(field.selectionSet, 0));
  if (known) known.set(path, found);
  else if (node) answers.set(node, new Map([[path, found]]));
  return found;
}

/**
 * The field nodes selected on a connection's rows (under `nodes` and `edges.node`), through
 * fragments. `undirected` leaves out what sits under a directive (a field, or a fragment, that
 * may be skipped or included).
 */
export function rowFieldNodes(
  info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>,
  { undirected = false } = {},
): FieldNode[] {
  const found: FieldNode[] = [];
  const collect = (set: SelectionSetNode | undefined, path: readonly string[]) => {
    for (const selection of set?.selections ?? []) {
      if (undirected && selection.directives?.length) continue;
      if (selection.kind === 'InlineFragment') collect(selection.selectionSet, path);
      else if (selection.kind === 'FragmentSpread') {
        collect(info.fragments[selection.name.value]?.selectionSet, path);
      } else if (path.length === 0) found.push(selection);
      else if (selection.name.value === path[0]) collect(selection.selectionSet, path.slice(1));
    }
  };
  for (const node of info.fieldNodes) {
    collect(node.selectionSet, ['nodes']);
    collect(node.selectionSet, ['edges', 'node']);
  }
  return found;
}

/** The names of the fields selected on a connection's rows, directives or not. */
export function rowFieldNames(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>) {
  return new Set(rowFieldNodes(info).map((node) => node.name.value));
}
