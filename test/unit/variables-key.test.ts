import { describe, expect, it } from 'vitest';
import { MAX_KEY_CHARS, MAX_KEYED_VALUES, stableJson } from '../../src/graphql/variables-key.js';

describe('the variables key', () => {
  it('is the same for the same variables in any key order, and is their JSON', () => {
    const a = stableJson({ b: [1, { y: 'x', x: null }], a: 'é"' });
    expect(a).toBe(stableJson({ a: 'é"', b: [1, { x: null, y: 'x' }] }));
    expect(JSON.parse(a as string)).toEqual({ a: 'é"', b: [1, { x: null, y: 'x' }] });
    expect(stableJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  it('tells apart variables that differ', () => {
    expect(stableJson({ a: '1' })).not.toBe(stableJson({ a: 1 }));
    expect(stableJson({ a: [1, 2] })).not.toBe(stableJson({ a: [2, 1] }));
  });

  it('is refused past the value bound', () => {
    // The variables object is one value, the array another.
    expect(stableJson({ x: new Array(MAX_KEYED_VALUES - 2).fill(0) })).toBeDefined();
    expect(stableJson({ x: new Array(MAX_KEYED_VALUES - 1).fill(0) })).toBeUndefined();
    const wide = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]));
    expect(stableJson(wide)).toBeUndefined();
  });

  it('is refused past the character bound, in strings and in keys', () => {
    expect(stableJson({ d: 'x'.repeat(MAX_KEY_CHARS - 100) })).toBeDefined();
    expect(stableJson({ d: 'x'.repeat(900_000) })).toBeUndefined();
    expect(stableJson({ ['k'.repeat(900_000)]: 1 })).toBeUndefined();
    expect(stableJson(Array.from({ length: 100 }, () => 'y'.repeat(200)))).toBeUndefined();
    expect(stableJson({ a: 'x'.repeat(20) }, 10, 10)).toBeUndefined();
  });
});
