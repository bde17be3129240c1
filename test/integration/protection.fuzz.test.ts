/**
 * 10,000 fuzzed requests (fast-check): documents walked from the real schema with hostile
 * arguments, the same documents cut up, random text, and malformed bodies, variables, operation
 * names, extensions and tokens. None may answer 5xx, none may carry an internal (masked) error,
 * and no message may leak SQL or a stack. The seed is printed on failure; FUZZ_SEED replays it.
 */
import fc from 'fast-check';
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema.js';
import { type Json, useTestApp } from '../helpers/app.js';

const RUNS = 10_000;
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

const t = useTestApp();

type Draw = <T>(arb: fc.Arbitrary<T>) => T;

/** strict: type-correct documents with hostile values (they reach resolvers); else anything goes. */
interface Mode {
  readonly draw: Draw;
  readonly strict: boolean;
}
/** True with probability 1/n, never in strict mode. */
const sloppy = ({ draw, strict }: Mode, n: number) =>
  !strict && draw(fc.integer({ min: 1, max: n })) === 1;

const hostileString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom(
    '',
    "'; drop table users; --",
    'VXNlcjox',
    'RXhwZW5zZTox',
    'Q2F0ZWdvcnk6OTk5OTk5OTk5OTk5OTk5OTk5OQ==',
    'Zm9vOmJhcg==',
    '%00',
    '\u0000',
    '9'.repeat(400),
    '2024-02-30',
    '-0.001',
    '1e309',
    '12.345',
    'NaN',
    '💸'.repeat(50),
  ),
);

const gid = (type: string, id: number | string) => Buffer.from(`${type}:${id}`).toString('base64');
const PLAUSIBLE: Record<string, string[]> = {
  ID: [
    gid('User', 1),
    gid('Expense', 1),
    gid('Category', 1),
    gid('Category', 2),
    gid('Job', 1),
    gid('Export', 1),
    gid('Expense', '99999999999'),
  ],
  Decimal: ['12.50', '0.01', '99999999.99', '0', '-3.00', '1'],
  Date: ['2024-01-15', '2026-11-22', '1970-01-01', '9999-12-31'],
  DateTime: ['2024-01-15T10:00:00Z', '2026-11-22T00:00:00.000Z'],
  String: [
    'Coffee',
    'groceries',
    'me@example.com',
    'https://example.com/hook',
    'USD',
    'EUR',
    '#1a2b3c',
  ],
};

function inputValue(mode: Mode, type: GraphQLInputType, depth: number): string {
  const { draw } = mode;
  if (isNonNullType(type)) {
    return sloppy(mode, 20) ? 'null' : inputValue(mode, type.ofType, depth);
  }
  if (draw(fc.integer({ min: 1, max: 10 })) === 1) return 'null';
  if (isListType(type)) {
    const n = draw(fc.integer({ min: 0, max: 3 }));
    return `[${Array.from({ length: n }, () => inputValue(mode, type.ofType, depth + 1)).join(', ')}]`;
  }
  if (isEnumType(type)) {
    const values = type.getValues().map((v) => v.name);
    return sloppy(mode, 3)
      ? draw(fc.constantFrom('NOPE', '"QUOTED"', '1'))
      : draw(fc.constantFrom(...values));
  }
  if (isInputObjectType(type)) {
    const chosen = Object.values(type.getFields()).filter(
      (f) => (isNonNullType(f.type) && !sloppy(mode, 5)) || draw(fc.boolean()),
    );
    return `{ ${chosen.map((f) => `${f.name}: ${inputValue(mode, f.type, depth + 1)}`).join(', ')} }`;
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
        return String(
          draw(
            mode.strict
              ? fc.integer({ min: -2, max: 110 })
              : fc.oneof(
                  fc.integer({ min: -5, max: 150 }),
                  fc.constantFrom(0, 2 ** 31 - 1, -(2 ** 31)),
                ),
          ),
        );
      case 'Float':
        return String(draw(fc.double({ noNaN: true, noDefaultInfinity: true })));
      case 'Boolean':
        return String(draw(fc.boolean()));
      default: {
        // Mostly well-formed values in strict mode, so resolvers (not the parser) see them.
        const plausible = PLAUSIBLE[type.name];
        if (mode.strict && plausible && draw(fc.integer({ min: 1, max: 4 })) > 1) {
          return JSON.stringify(draw(fc.constantFrom(...plausible)));
        }
        return JSON.stringify(draw(hostileString));
      }
    }
  }
  return 'null';
}

function argumentsFor(mode: Mode, args: readonly GraphQLArgument[]): string {
  const chosen = args.filter((arg) => isNonNullType(arg.type) || mode.draw(fc.boolean()));
  if (sloppy(mode, 10)) chosen.push({ name: 'bogus', type: schema.getType('String') } as never);
  if (chosen.length === 0) return '';
  return `(${chosen.map((a) => `${a.name}: ${inputValue(mode, a.type, 0)}`).join(', ')})`;
}

function selection(mode: Mode, type: GraphQLNamedType, depth: number): string {
  const { draw } = mode;
  if (!isObjectType(type) && !('getFields' in type)) return '';
  const fields = Object.values(
    (type as { getFields(): Record<string, GraphQLField<unknown, unknown>> }).getFields(),
  );
  const count = draw(fc.integer({ min: 1, max: 3 }));
  const parts = ['__typename'];
  for (let i = 0; i < count; i++) {
    const field = draw(fc.constantFrom(...fields));
    const named = getNamedType(field.type);
    const alias = draw(fc.integer({ min: 0, max: 5 })) === 0 ? `a${i}: ` : '';
    const sub =
      'getFields' in named && depth < 6 ? ` { ${selection(mode, named, depth + 1)} }` : '';
    parts.push(`${alias}${field.name}${argumentsFor(mode, field.args)}${sub}`);
  }
  if (sloppy(mode, 10)) parts.push('notAField');
  return parts.join(' ');
}

const schemaDocument = fc.gen().map((g) => {
  const draw: Draw = (arb) => g(() => arb);
  const mode: Mode = { draw, strict: draw(fc.integer({ min: 1, max: 4 })) > 1 };
  const root = draw(fc.constantFrom('query', 'query', 'mutation'));
  const type = root === 'query' ? schema.getQueryType() : schema.getMutationType();
  return `${root} Fuzz { ${selection(mode, type as GraphQLNamedType, 0)} }`;
});

/** A document with a random slice removed or repeated (unbalanced braces, broken tokens). */
const cutDocument = fc
  .tuple(schemaDocument, fc.nat(), fc.nat(), fc.boolean())
  .map(([doc, a, b, repeat]) => {
    const start = a % (doc.length + 1);
    const end = start + (b % 12);
    return repeat ? doc.slice(0, end) + doc.slice(start) : doc.slice(0, start) + doc.slice(end);
  });

const randomText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.stringMatching(/^[{}()[\]:$@!.,"a-z0-9 _\n-]{0,200}$/),
);

const anyJson = fc.jsonValue({ maxDepth: 3 });

const body = fc.oneof(
  { weight: 5, arbitrary: fc.record({ query: schemaDocument }) },
  {
    weight: 1,
    arbitrary: fc.record({ query: schemaDocument, variables: fc.dictionary(fc.string(), anyJson) }),
  },
  { weight: 2, arbitrary: fc.record({ query: cutDocument }) },
  { weight: 2, arbitrary: fc.record({ query: randomText }) },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        query: fc.oneof(anyJson, schemaDocument),
        variables: anyJson,
        operationName: anyJson,
        extensions: fc.oneof(
          anyJson,
          fc.record({ persistedQuery: fc.record({ version: anyJson, sha256Hash: anyJson }) }),
        ),
      },
      { requiredKeys: [] },
    ),
  },
);

const authorization = fc.oneof(
  { weight: 4, arbitrary: fc.constant('valid') },
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('Bearer x.y.z', 'Basic abc', 'Bearer ', 'bearer   ') },
);

const CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'QUERY_TOO_COMPLEX',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  // yoga's own request errors (HTTP 400)
  'OPERATION_RESOLUTION_FAILURE',
]);

describe('fuzzing', () => {
  it(`${RUNS} fuzzed requests: no 5xx, no internal errors, no leaked SQL or stacks (seed ${SEED})`, async () => {
    const { token } = await t.signUp();
    const samples = fc.sample(
      fc.tuple(
        body,
        authorization,
        fc.integer({ min: 1, max: 20 }).map((n) => n === 1),
      ),
      {
        numRuns: RUNS,
        seed: SEED,
      },
    );
    const failures: { request: unknown; status: number; response: string }[] = [];
    const codes = new Map<string, number>();
    let executed = 0;
    const send = async ([payload, auth, rawBody]: (typeof samples)[number]) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (auth === 'valid') headers.authorization = `Bearer ${token}`;
      else if (auth) headers.authorization = auth;
      // Now and then the body is not JSON at all.
      const text =
        rawBody && typeof payload.query === 'string' ? payload.query : JSON.stringify(payload);
      const response = await t.fetch('/graphql', { method: 'POST', headers, body: text });
      const raw = await response.text();
      let parsed: Json;
      try {
        parsed = JSON.parse(raw);
      } catch {
        parsed = undefined;
      }
      const errors: Json[] = parsed?.errors ?? [];
      if (parsed?.data) executed++;
      const bad =
        response.status >= 500 ||
        parsed === undefined ||
        errors.some(
          (e) =>
            !CODES.has(e.extensions?.code) ||
            /\bat .+:\d+|select .+ from|insert into|postgres|drizzle/i.test(e.message),
        );
      for (const e of errors)
        codes.set(e.extensions?.code, (codes.get(e.extensions?.code) ?? 0) + 1);
      if (bad)
        failures.push({
          request: { payload, auth, rawBody },
          status: response.status,
          response: raw.slice(0, 500),
        });
    };
    for (let i = 0; i < samples.length; i += 25) {
      await Promise.all(samples.slice(i, i + 25).map(send));
    }
    if (failures.length)
      console.error(`FUZZ_SEED=${SEED}`, JSON.stringify(failures.slice(0, 5), null, 2));
    expect(failures).toEqual([]);
    // The fuzzer reached resolvers, not just the parser.
    expect(executed).toBeGreaterThan(RUNS / 20);
    expect(codes.get('GRAPHQL_PARSE_FAILED')).toBeGreaterThan(0);
    expect(codes.get('BAD_USER_INPUT')).toBeGreaterThan(0);
    // 10,000 requests take ~26 s alone and more beside other test files: a generous bound, so
    // only a hang fails it.
  }, 180_000);
});
