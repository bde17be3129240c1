import type { ObjectRef } from '@pothos/core';
import { builder } from './builder.js';
import type { ConnectionResult } from './pagination.js';

/** A Relay connection type with `totalCount`, which is counted only when a client selects it. */
export function countedConnection<T>(
  type: ObjectRef<typeof builder.$inferSchemaTypes, T>,
  name: string,
) {
  return builder.connectionObject({
    type,
    name,
    fields: (t) => ({
      totalCount: t.int({
        description: 'All items in the list (with its filter), not just this page.',
        resolve: (connection) => (connection as unknown as ConnectionResult<T>).totalCount(),
      }),
    }),
  });
}
