/**
 * Custom scalars over the domain's exact money and calendar dates (domain/money.ts, dates.ts):
 * Decimal values are strings with two decimals, never floats.
 */
import { GraphQLScalarType, Kind, type ValueNode, valueFromASTUntyped } from 'graphql';
import { parseDate } from '../domain/dates.js';
import { badInput } from '../domain/errors.js';
import { parseDecimal } from '../domain/money.js';
import { asGraphQL, toGraphQLError } from './errors.js';

/**
 * What Postgres sends for numeric(14,2) amounts and numeric(20,2) sums: no leading zero, no -0,
 * two decimals. Output only: sums may exceed what an input amount may be.
 */
const CANONICAL = /^(-?[1-9]\d{0,17}|0)\.\d\d$/;

const decimal = (value: unknown) => asGraphQL(() => parseDecimal(value));
const date = (value: unknown) => asGraphQL(() => parseDate(value));

/**
 * Output: numeric(14,2) columns and their sums already arrive as '12.50'; only other forms go
 * through parseDecimal (a regex and a split per amount showed in fan-out profiles).
 */
function serializeDecimal(value: unknown): string {
  if (typeof value === 'string' && CANONICAL.test(value)) return value;
  return decimal(value);
}

function literal(ast: ValueNode): unknown {
  if (ast.kind === Kind.STRING) return ast.value;
  if (ast.kind === Kind.INT || ast.kind === Kind.FLOAT) return Number(ast.value);
  return undefined;
}

export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  description: 'An exact amount with two decimals, serialized as a string such as "12.50".',
  serialize: serializeDecimal,
  parseValue: decimal,
  parseLiteral: (ast) => {
    // A literal keeps its source text, so 12.345 is seen (and refused) exactly as written.
    if (ast.kind === Kind.INT || ast.kind === Kind.FLOAT) return decimal(ast.value);
    return decimal(literal(ast));
  },
});

export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'A calendar date, YYYY-MM-DD.',
  serialize: (value) => String(value),
  parseValue: date,
  parseLiteral: (ast) => date(literal(ast)),
});

/** Postgres sends '2026-11-22 15:14:05.123456+00' (the pool runs in UTC). */
function toIso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  const text = String(value);
  const date = new Date(
    text.includes('T') ? text : `${text.replace(' ', 'T').replace(/\+00$/, '')}Z`,
  );
  if (Number.isNaN(date.getTime())) throw new Error(`Cannot serialize "${text}" as DateTime`);
  return date.toISOString();
}

function parseDateTime(value: unknown): string {
  const instant = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(instant.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(value as string)) {
    throw toGraphQLError(badInput(`"${String(value)}" is not an ISO-8601 date-time`));
  }
  return instant.toISOString();
}

export const DateTimeScalar = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  description: 'An instant, ISO-8601 in UTC.',
  serialize: toIso,
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(literal(ast)),
});

/** Any JSON value, passed through as is (job results). */
export const JSONScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});
