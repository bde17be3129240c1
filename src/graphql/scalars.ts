/**
 * Custom scalars. Money never passes through a float: Decimal values are exact strings with two
 * decimals; anything that would need rounding is rejected.
 */
import {
  GraphQLError,
  GraphQLScalarType,
  Kind,
  type ValueNode,
  valueFromASTUntyped,
} from 'graphql';

const DECIMAL = /^-?(0|[1-9]\d{0,11})(\.\d{1,2})?$/;
/**
 * What Postgres sends for numeric(14,2) amounts and numeric(20,2) sums: no leading zero, no -0,
 * two decimals. Output only: sums may exceed what an input amount may be.
 */
const CANONICAL = /^(-?[1-9]\d{0,17}|0)\.\d\d$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function invalid(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

/** '12.5' -> '12.50'; throws BAD_USER_INPUT for anything not exact to the cent. */
export function parseDecimal(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else throw invalid('Decimal must be a string such as "12.50"');
  if (!DECIMAL.test(text)) {
    throw invalid(`"${String(value)}" is not a decimal amount with at most two decimals`);
  }
  const [whole, fraction = ''] = text.split('.');
  const normalized = `${whole}.${fraction.padEnd(2, '0')}`;
  return normalized === '-0.00' ? '0.00' : normalized;
}

/**
 * Output: numeric(14,2) columns and their sums already arrive as '12.50'; only other forms go
 * through parseDecimal (a regex and a split per amount showed in fan-out profiles).
 */
function serializeDecimal(value: unknown): string {
  if (typeof value === 'string' && CANONICAL.test(value)) return value;
  return parseDecimal(value);
}

export function parseDate(value: unknown): string {
  const match = typeof value === 'string' ? DATE.exec(value) : null;
  if (!match) throw invalid(`"${String(value)}" is not a date in YYYY-MM-DD form`);
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || y > 9999 || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    throw invalid(`"${value as string}" is not a valid date`);
  }
  return value as string;
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
  parseValue: parseDecimal,
  parseLiteral: (ast) => {
    // A literal keeps its source text, so 12.345 is seen (and refused) exactly as written.
    if (ast.kind === Kind.INT || ast.kind === Kind.FLOAT) return parseDecimal(ast.value);
    return parseDecimal(literal(ast));
  },
});

export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'A calendar date, YYYY-MM-DD.',
  serialize: (value) => String(value),
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(literal(ast)),
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
  const date = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(value as string)) {
    throw invalid(`"${String(value)}" is not an ISO-8601 date-time`);
  }
  return date.toISOString();
}

export const DateTimeScalar = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  description: 'An instant, ISO-8601 in UTC.',
  serialize: toIso,
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(literal(ast)),
});

/** Exact comparison of two normalized Decimal strings (as integer cents). */
export function compareDecimal(a: string, b: string): number {
  const cents = (value: string) => BigInt(parseDecimal(value).replace('.', ''));
  const diff = cents(a) - cents(b);
  return diff === 0n ? 0 : diff < 0n ? -1 : 1;
}

/** Any JSON value, passed through as is (job results). */
export const JSONScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});
