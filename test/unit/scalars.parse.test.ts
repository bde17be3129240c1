import { describe, expect, it } from 'vitest';
import { compareDecimal, parseDate, parseDecimal } from '../../src/graphql/scalars.js';

describe('parseDecimal', () => {
  it.each([
    ['12.5', '12.50'],
    ['12', '12.00'],
    ['0.01', '0.01'],
    [' 7.10 ', '7.10'],
    [12.5, '12.50'],
    ['-3.2', '-3.20'],
    ['-0', '0.00'],
    ['999999999999.99', '999999999999.99'],
  ])('%j -> %s', (input, output) => expect(parseDecimal(input)).toBe(output));

  it.each([
    'abc',
    '1.005',
    '',
    '1e3',
    '01.00',
    '1.',
    '.5',
    '1,5',
    '1000000000000.00',
    0.1 + 0.2,
    Number.NaN,
    null,
    true,
    {},
  ])('refuses %j as BAD_USER_INPUT', (input) => {
    expect(() => parseDecimal(input)).toThrow(
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } }),
    );
  });

  it('compares exactly', () => {
    expect(compareDecimal('0.30', '0.3')).toBe(0);
    expect(compareDecimal('999999999999.99', '999999999999.98')).toBe(1);
    expect(compareDecimal('-1', '0')).toBe(-1);
  });
});

describe('parseDate', () => {
  it.each(['2024-02-29', '2026-12-31', '1900-01-01'])('accepts %s', (value) =>
    expect(parseDate(value)).toBe(value),
  );
  it.each([
    '2026-02-29',
    '2026-13-01',
    '2026-00-10',
    '2026-1-01',
    '20260101',
    '2026-04-31',
    '',
    20260101,
  ])('refuses %j', (value) => {
    expect(() => parseDate(value)).toThrow(
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } }),
    );
  });
});
