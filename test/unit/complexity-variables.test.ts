import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { variablesThatCount } from '../../src/graphql/query-limits.js';
import { schema } from '../../src/graphql/schema.js';

const counted = (source: string) => [...variablesThatCount(schema, parse(source))].sort();

describe('the variables an operation cost depends on', () => {
  it('are the page sizes of connections and the @skip/@include conditions', () => {
    expect(
      counted(`query($n: Int, $after: String, $hide: Boolean!, $id: ID!) {
        viewer { expenses(first: $n, after: $after) @skip(if: $hide) { nodes { id } } }
        node(id: $id) { id }
      }`),
    ).toEqual(['after', 'hide', 'n']);
  });

  it('leave out a bulk input, whatever its size', () => {
    expect(
      counted(`mutation($input: CreateExpensesInput!) {
        createExpenses(input: $input) { expenses { id amount } }
      }`),
    ).toEqual([]);
  });

  it('follow fragments', () => {
    expect(
      counted(`query($n: Int) { viewer { ...F } }
        fragment F on User { categories(first: $n) { nodes { id } } }`),
    ).toEqual(['n']);
  });
});
