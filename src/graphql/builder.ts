/** The Pothos builder: plugins, scalars and relay options. It defines no object types. */
import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import RelayPlugin from '@pothos/plugin-relay';
import { badInput } from '../domain/errors.js';
import { parseGlobalId } from '../domain/ids.js';
import type { Context } from './context.js';
import { prefetchNodes } from './node-prefetch.js';
import { DateScalar, DateTimeScalar, DecimalScalar, JSONScalar } from './scalars.js';

export const builder = new SchemaBuilder<{
  Context: Context;
  Scalars: {
    ID: { Input: string; Output: string | number };
    Decimal: { Input: string; Output: string };
    Date: { Input: string; Output: string };
    DateTime: { Input: string; Output: string };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  plugins: [RelayPlugin, ComplexityPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: false, complexity: { field: 1, multiplier: 1 } },
    nodeFieldOptions: { nullable: false },
    // The connection field already multiplies by the page size; edges/nodes must not again.
    nodesOnConnection: { complexity: { field: 1, multiplier: 1 } },
    // The far-side flags may be promises (pagination.ts). The compiled executor (graphql-jit)
    // inlines fields that only expose a property and does not await them; marking them as not
    // plain exposures keeps Pothos' resolver on them, which it awaits like any resolver's.
    hasNextPageFieldOptions: { extensions: { pothosExposedField: null } },
    hasPreviousPageFieldOptions: { extensions: { pothosExposedField: null } },
    // node(id)/nodes(ids) read ahead what the selection needs (an expense with its category).
    nodeQueryOptions: {
      resolve: async (_root, { id }, ctx, info, resolveNode) => {
        await prefetchNodes(ctx, info, [id]);
        return resolveNode(id);
      },
    },
    nodesQueryOptions: {
      resolve: async (_root, { ids }, ctx, info, resolveNodes) => {
        await prefetchNodes(ctx, info, ids);
        return resolveNodes(ids);
      },
    },
    decodeGlobalID: (globalID) => {
      const parsed = parseGlobalId(globalID);
      if (!parsed) throw badInput(`"${globalID}" is not a valid ID`, 'id');
      return { typename: parsed.typename, id: String(parsed.id) };
    },
  },
  complexity: {
    // Limits are enforced by a validation rule (see app.ts) so nothing runs when they are hit.
    defaultComplexity: 1,
    defaultListMultiplier: 10,
  },
});

builder.addScalarType('Decimal', DecimalScalar);
builder.addScalarType('Date', DateScalar);
builder.addScalarType('DateTime', DateTimeScalar);
builder.addScalarType('JSON', JSONScalar);

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
