/**
 * The load suite's mixed scenario's requests (60% creates, 40% uncached dashboards of one
 * user), shared by the suite and by the subscription benchmark, which runs it beside its writes.
 */
import { CREATE_EXPENSE, DASHBOARD } from './queries.js';
import { LOAD_MERCHANT } from './rollup.js';

const gql = (query: string, variables?: object) => JSON.stringify({ query, variables });

/** Each call: the body of the scenario's next request. */
export function mixedBody(categoryId: string | null): () => { body: string } {
  return () => ({
    body:
      Math.random() < 0.6
        ? gql(CREATE_EXPENSE, {
            input: { amount: '12.00', description: 'lunch', categoryId, merchant: LOAD_MERCHANT },
          })
        : gql(DASHBOARD),
  });
}
