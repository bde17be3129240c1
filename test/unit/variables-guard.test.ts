import { describe, expect, it } from 'vitest';
import {
  jsonNestsDeeperThan,
  MAX_JSON_DEPTH,
  MAX_VARIABLE_VALUES,
  rawJsonProblem,
  variablesProblem,
} from '../../src/graphql/variables-guard.js';

const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('the JSON depth scan', () => {
  it('counts objects and arrays, up to the limit and not past it', () => {
    expect(jsonNestsDeeperThan(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonNestsDeeperThan(nested(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(jsonNestsDeeperThan(`{"a":{"b":[{"c":1}]}}`, 3)).toBe(true);
    expect(jsonNestsDeeperThan(`{"a":{"b":[{"c":1}]}}`, 4)).toBe(false);
  });

  it('skips brackets inside strings, escaped quotes included', () => {
    expect(jsonNestsDeeperThan(JSON.stringify({ a: nested(100) }), 1)).toBe(false);
    expect(jsonNestsDeeperThan(JSON.stringify({ a: `\\"${nested(100)}` }), 1)).toBe(false);
    // An escaped backslash ends before the quote, which then closes the string.
    expect(jsonNestsDeeperThan(`{"a":"\\\\",${nested(3).slice(0, 3)}`, 3)).toBe(true);
  });
});

describe('the raw JSON check', () => {
  const body = (values: number) =>
    JSON.stringify({ query: '{ a, b, c }', variables: { x: new Array(values).fill(0) } });

  it('refuses, unparsed, a body that must hold more values than variables may', () => {
    expect(rawJsonProblem(body(MAX_VARIABLE_VALUES + 100))).toMatch(/more than 16000 values/);
    expect(rawJsonProblem(`{"x":${nested(MAX_JSON_DEPTH + 1)}}`)).toMatch(/deeper than 32/);
  });

  it('leaves bodies near the limit, and commas inside strings, to the exact check', () => {
    expect(rawJsonProblem(body(MAX_VARIABLE_VALUES))).toBeUndefined();
    expect(rawJsonProblem(JSON.stringify({ x: ','.repeat(100_000) }))).toBeUndefined();
  });
});

describe('the parsed variables check', () => {
  it('passes ordinary inputs and refuses depth and size past the limits', () => {
    expect(variablesProblem({ input: { expenses: [{ amount: '1.00' }] } })).toBeUndefined();
    expect(variablesProblem(undefined)).toBeUndefined();
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(variablesProblem({ x: deep })).toMatch(/deeper than 32/);
    expect(variablesProblem({ x: new Array(MAX_VARIABLE_VALUES + 10_000).fill(0) })).toMatch(
      /more than 16000/,
    );
  });

  it('draws the lines exactly at the limits, counting objects, arrays and scalars alike', () => {
    const arrays = (levels: number) => {
      let value: unknown = 1;
      for (let i = 0; i < levels; i++) value = [value];
      return value;
    };
    // The variables object is the first level.
    expect(variablesProblem({ x: arrays(MAX_JSON_DEPTH - 1) })).toBeUndefined();
    expect(variablesProblem({ x: arrays(MAX_JSON_DEPTH) })).toMatch(/deeper than 32/);
    // The variables object is the first value, the array the second.
    expect(variablesProblem({ x: new Array(MAX_VARIABLE_VALUES - 2).fill(0) })).toBeUndefined();
    expect(variablesProblem({ x: new Array(MAX_VARIABLE_VALUES - 1).fill(0) })).toMatch(
      /more than 16000/,
    );
    expect(variablesProblem({ x: new Array(MAX_VARIABLE_VALUES - 2).fill({}) })).toBeUndefined();
    const wide = Object.fromEntries(
      Array.from({ length: MAX_VARIABLE_VALUES }, (_, i) => [`k${i}`, i]),
    );
    expect(variablesProblem(wide)).toMatch(/more than 16000/);
  });
});
