/**
 * Nested connections planned at their parent list. When a list's rows are known (the admin's
 * `users`, a user's `categories`), the connection fields selected on those rows (each user's
 * `categories`, each category's `expenses`) are fetched for every row at once, level by level,
 * and kept for the request; each row's field then resolves from memory. The statements are the
 * loaders' own (one per level, as before); what goes away is the per-row work of the loader
 * path: a DataLoader key serialized twice, a promise, the arguments parsed and the selection
 * read again, for each of hundreds of rows.
 *
 * Only plain selections are planned: a field under a directive, or merged from several nodes,
 * resolves through the loaders as before. A plan that fails (bad arguments, a database error)
 * is dropped, and the rows' own resolvers then meet the same error.
 */

import {
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  getArgumentValues,
} from 'graphql';
import { inSpan } from '../telemetry.js';
import type { Context } from './context.js';
import type { ConnectionResult } from './pagination.js';
import { rowFieldNodes } from './selection.js';

/** The part of the resolve info planning reads (a child field's is made from its node). */
export type PlanInfo = Pick<
  GraphQLResolveInfo,
  'fieldNodes' | 'fragments' | 'variableValues' | 'schema'
>;

/** How one connection field is fetched for many parents at once. */
export interface NestedConnection<Parent extends { id: number }, Row extends { id: number }> {
  /** The type of the connection's rows, whose own connection fields may be planned in turn. */
  readonly rowType: string;
  fetchAll(
    ctx: Context,
    parents: readonly Parent[],
    args: Record<string, unknown>,
    info: PlanInfo,
  ): Promise<Map<Parent, ConnectionResult<Row>>>;
}

// biome-ignore lint/suspicious/noExplicitAny: rows of any type, keyed by `Type.field`
const registry = new Map<string, NestedConnection<any, any>>();

/** Makes `type.field` plannable (each type's file registers its connection fields). */
export function planConnection<Parent extends { id: number }, Row extends { id: number }>(
  type: string,
  field: string,
  connection: NestedConnection<Parent, Row>,
): void {
  registry.set(`${type}.${field}`, connection);
}

/** Connections planned for this request: parent row -> field node -> connection. */
const plans = new WeakMap<object, WeakMap<object, Map<FieldNode, unknown>>>();

/** The planned connection for this row's field, if its parent list planned it. */
export function planned<T>(
  ctx: Context,
  parent: object,
  info: GraphQLResolveInfo,
): ConnectionResult<T> | undefined {
  if (info.fieldNodes.length !== 1) return undefined;
  const node = info.fieldNodes[0] as FieldNode;
  return plans.get(ctx)?.get(parent)?.get(node) as ConnectionResult<T> | undefined;
}

/**
 * Plans the connection fields selected on `rows` (of `type`, the rows of the connection `info`
 * resolves), and below them, level by level. Resolves once every level is fetched.
 */
export async function planBelow(
  ctx: Context,
  info: PlanInfo,
  type: string,
  rows: readonly { id: number }[],
): Promise<void> {
  if (rows.length === 0 || ctx.config.loaders !== 'on') return;
  const objectType = info.schema.getType(type) as GraphQLObjectType | undefined;
  if (!objectType) return;
  // A field asked twice under different aliases is fetched for each.
  const nodes = rowFieldNodes(info, { undirected: true });
  const merged = new Set(
    nodes
      .map((node) => node.alias?.value ?? node.name.value)
      .filter((name, i, names) => names.indexOf(name) !== i),
  );
  for (const node of nodes) {
    const name = `${type}.${node.name.value}`;
    const connection = registry.get(name);
    const field = objectType.getFields()[node.name.value];
    // Two nodes under one response name are merged by execution: not planned.
    if (!connection || !field || merged.has(node.alias?.value ?? node.name.value)) continue;
    const child: PlanInfo = {
      fieldNodes: [node],
      fragments: info.fragments,
      variableValues: info.variableValues,
      schema: info.schema,
    };
    let results: Map<{ id: number }, ConnectionResult<{ id: number }>>;
    try {
      const args = getArgumentValues(field, node, info.variableValues);
      results = await inSpan(`plan ${name}`, ['plan.parents', rows.length], () =>
        connection.fetchAll(ctx, rows, args, child),
      );
    } catch {
      continue;
    }
    let byRow = plans.get(ctx);
    if (!byRow) {
      byRow = new WeakMap();
      plans.set(ctx, byRow);
    }
    const below: { id: number }[] = [];
    for (const [row, result] of results) {
      let fields = byRow.get(row);
      if (!fields) {
        fields = new Map();
        byRow.set(row, fields);
      }
      fields.set(node, result);
      for (const edge of result.edges) below.push(edge.node);
    }
    await planBelow(ctx, child, connection.rowType, below);
  }
}
