import { describe, expect, it } from 'vitest';
import { parseDate } from '../../src/domain/dates.js';
import { compareDecimal, parseDecimal } from '../../src/domain/money.js';
import { DateScalar, DecimalScalar } from '../../src/graphql/scalars.js';

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
    expect(() => parseDecimal(input)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });

  // Output takes a fast path for what Postgres sends; every other form is still normalized.
  it.each([
    ['12.50', '12.50'],
    ['0.00', '0.00'],
    ['-12.30', '-12.30'],
    ['-0.00', '0.00'],
    ['12.5', '12.50'],
    ['7', '7.00'],
    [' 7.10', '7.10'],
    [3.1, '3.10'],
  ])('serializes %j as %s', (value, output) => expect(DecimalScalar.serialize(value)).toBe(output));

  it('as a scalar, refuses with a GraphQL error carrying the code', () => {
    expect(() => DecimalScalar.parseValue('1.005')).toThrow(
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } }),
    );
    expect(() => DateScalar.parseValue('2026-02-30')).toThrow(
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } }),
    );
  });

  it('does not serialize what is not an amount', () => {
    expect(() => DecimalScalar.serialize('012.50')).toThrow();
    expect(() => DecimalScalar.serialize('1.005')).toThrow();
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
    expect(() => parseDate(value)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });
});
