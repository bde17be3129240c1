/**
 * Hostile requests for the fourth experiment, drawn from a seeded generator (the same seed
 * gives the same 10,000): deep nesting, alias floods, malformed JSON, deeply nested and huge
 * variables, NUL characters, bad global IDs, malformed and impossible cursors, invalid Decimals
 * and Dates, oversized bodies, introspection abuse, garbage persisted-query hashes, odd methods
 * and transports (GET, form bodies, browser requests), forged tokens, hostile mutation inputs and
 * chat texts, anonymous and logged in.
 *
 * No hostile value contains SQL or a stack frame of its own, so any in a response came from the
 * server (harness.ts `leaks`).
 */

import { random } from '../../src/random.js';

export interface Identities {
  /** A logged-in user's token, an admin's, and forged or broken ones. */
  readonly user: string;
  readonly admin: string;
  readonly forged: readonly string[];
  /** Real global IDs of the user's: an expense, a category, a job, an export. */
  readonly ids: { expense: string; category: string; job: string; export: string };
}

export interface HostileRequest {
  readonly category: string;
  /** What it is, for reports of failures. */
  readonly label: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  /** A stream: sent chunked, without Content-Length. */
  readonly body?: string | Uint8Array | (() => ReadableStream<Uint8Array>);
}

type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
const int = (rng: Rng, min: number, max: number) => min + Math.floor(rng() * (max - min + 1));
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Big values are built once. */
const memo = new Map<string, string>();
const big = (key: string, make: () => string) => {
  let value = memo.get(key);
  if (value === undefined) {
    value = make();
    memo.set(key, value);
  }
  return value;
};
const MIB = 1024 * 1024;

/** A GraphQL request as a document with variables, sent by one of the transports. */
interface Operation {
  readonly query?: unknown;
  readonly variables?: unknown;
  readonly operationName?: unknown;
  readonly extensions?: unknown;
}

function transport(
  rng: Rng,
  category: string,
  label: string,
  op: Operation,
  auth: Record<string, string>,
): HostileRequest {
  const json = JSON.stringify(op);
  const roll = rng();
  if (roll < 0.12 && typeof op.query === 'string') {
    // GET, as yoga takes it (CSRF header needed); mutations must be refused with 405.
    const params = new URLSearchParams({ query: op.query });
    if (op.variables !== undefined) params.set('variables', JSON.stringify(op.variables));
    if (op.extensions !== undefined) params.set('extensions', JSON.stringify(op.extensions));
    return {
      category,
      label: `${label} (GET)`,
      method: 'GET',
      path: `/graphql?${params}`,
      headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1', ...auth },
    };
  }
  if (roll < 0.2 && typeof op.query === 'string') {
    const form = new URLSearchParams({ query: op.query });
    if (op.variables !== undefined) form.set('variables', JSON.stringify(op.variables));
    return {
      category,
      label: `${label} (form)`,
      method: 'POST',
      path: '/graphql',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-graphql-yoga-csrf': '1',
        ...auth,
      },
      body: form.toString(),
    };
  }
  if (roll < 0.27) {
    // A browser's request: served by yoga (CORS), not the direct JSON path.
    return {
      category,
      label: `${label} (browser)`,
      method: 'POST',
      path: '/graphql',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example', ...auth },
      body: json,
    };
  }
  return {
    category,
    label,
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json', ...auth },
    body: json,
  };
}

/** Nested selections viewer → categories → user → categories …, `depth` levels. */
function deepSelection(depth: number): string {
  let inner = 'id';
  for (let i = 0; i < depth; i++) {
    inner = i % 2 === 0 ? `categories(first: 1) { nodes { ${inner} } }` : `user { ${inner} }`;
  }
  return `{ viewer { ${inner} } }`;
}

const nested = (open: string, close: string, depth: number, inner = '') =>
  `${open.repeat(depth)}${inner}${close.repeat(depth)}`;

const LIST = `query L($after: String, $before: String, $first: Int, $last: Int, $order: ExpenseOrder, $filter: ExpenseFilter) {
  viewer { expenses(after: $after, before: $before, first: $first, last: $last, orderBy: $order, filter: $filter) {
    totalCount edges { cursor node { id amount date } } pageInfo { hasNextPage endCursor } } } }`;
const CREATE = `mutation C($input: CreateExpenseInput!) { createExpense(input: $input) { expense { id amount date } } }`;
const UPDATE = `mutation U($input: UpdateExpenseInput!) { updateExpense(input: $input) { expense { id } } }`;
const NODE = `query N($id: ID!) { node(id: $id) { id ... on Expense { amount } ... on Category { name } } }`;
const SUMMARY = `query S($from: Date!, $to: Date!) { viewer { summary(from: $from, to: $to) { total count } dailyMetrics(from: $from, to: $to) { date total } } }`;

const BAD_IDS = (ids: Identities['ids']): string[] => [
  'garbage',
  '',
  ' ',
  '%%%',
  '====',
  b64('Expense:'),
  b64('Expense:abc'),
  b64('Expense:-1'),
  b64('Expense:0'),
  b64('Expense:1e99'),
  b64('Expense:99999999999999999999999'),
  b64('Expense:1:2'),
  b64('Expense: 1'),
  b64('Nope:1'),
  b64('User:1'),
  b64('Category:9223372036854775808'),
  b64(':1'),
  b64('Expense:0x10'),
  `${ids.expense}=`,
  `${ids.expense}\u0000`,
  ids.expense.slice(0, -2),
  '😀😀😀',
  'A'.repeat(5000),
];

const BAD_CURSORS = [
  'garbage',
  '',
  b64('{}'),
  b64('[]'),
  b64('null'),
  b64('[1,2,3]'),
  b64('["2024-01-01","abc"]'),
  b64('["2024-13-45",1]'),
  b64('["0000-00-00",1]'),
  b64('[{"a":1},{"b":2}]'),
  b64(`[${'9'.repeat(400)},1]`),
  b64('["2024-01-01",-1]'),
  b64('["2024-01-01",1e308]'),
  b64('{"v":1,"k":["x"]}'),
  b64('\u0000'),
  b64('a'.repeat(10_000)),
  '%00',
  '====',
];

const BAD_DECIMALS: unknown[] = [
  '1e309',
  'NaN',
  'Infinity',
  '-0',
  '0',
  '-1.00',
  '12.345',
  '99999999999999999999.99',
  '999999999999.999',
  '0x10',
  ' 1.00',
  '1,00',
  '',
  '.',
  '1.',
  '+1',
  '١٢',
  12.5,
  1e21,
  true,
  null,
  [],
  {},
];
const BAD_DATES: unknown[] = [
  '2024-02-30',
  '2023-02-29',
  '0000-01-01',
  '0001-01-01',
  '99999-01-01',
  '2024-13-01',
  '2024-00-10',
  '2024-1-1',
  'today',
  '2024-01-01T00:00:00Z',
  '-2024-01-01',
  '',
  20240101,
  null,
  '9999-12-31',
  '1899-12-31',
];

/** Chat texts that make a regular expression work hard, and other oddities. */
const CHAT_TEXTS = [
  '1'.repeat(1999),
  `${'1,'.repeat(999)}1`,
  `${'1.'.repeat(999)}1`,
  `${'1 '.repeat(999)}x`,
  `${'$ '.repeat(999)}`,
  `lunch ${'9'.repeat(1990)}`,
  `coffee 3.50 on ${'2024-01-01 '.repeat(150)}`,
  `${'a'.repeat(1990)} 1`,
  'taxi 12.50 on 2024-02-30',
  'paid 1.000.000.000.000.000,00 rent',
  'x\u0000 1.00',
  '\u202e\u0000',
  '💸'.repeat(999),
  'lunch 0.00',
];

type Builder = (rng: Rng, who: Record<string, string>, ids: Identities['ids']) => HostileRequest;

const gqlCase =
  (category: string, make: (rng: Rng, ids: Identities['ids']) => [string, Operation]): Builder =>
  (rng, who, ids) => {
    const [label, op] = make(rng, ids);
    return transport(rng, category, label, op, who);
  };

const raw = (
  category: string,
  label: string,
  body: HostileRequest['body'],
  headers: Record<string, string>,
  method = 'POST',
  path = '/graphql',
): HostileRequest => ({
  category,
  label,
  method,
  path,
  headers,
  ...(body === undefined ? {} : { body }),
});

const BUILDERS: { weight: number; build: Builder }[] = [
  {
    weight: 8,
    build: gqlCase('deep nesting', (rng) => {
      const kind = int(rng, 0, 4);
      const depth = pick(rng, [13, 20, 50, 200, 1000, 5000]);
      const doc = (make: () => string) => big(`nesting ${kind} ${depth}`, make);
      if (kind === 0) {
        return [
          `selection ${depth} deep`,
          { query: doc(() => deepSelection(Math.min(depth, 400))) },
        ];
      }
      if (kind === 1) {
        return [
          `inline fragments ${depth} deep`,
          { query: doc(() => `{ ${nested('... on Query { ', '}', depth, '__typename ')} }`) },
        ];
      }
      if (kind === 2) {
        return [
          `list literal ${depth} deep`,
          { query: doc(() => `{ node(id: ${nested('[', ']', depth, '"x"')}) { id } }`) },
        ];
      }
      if (kind === 3) {
        return [
          `object literal ${depth} deep`,
          {
            query: doc(
              () =>
                `{ viewer { expenses(filter: ${nested('{ search: ', '}', depth, '"x"')}) { totalCount } } }`,
            ),
          },
        ];
      }
      return [`braces ${depth * 4} deep`, { query: doc(() => nested('{', '}', depth * 4)) }];
    }),
  },
  {
    weight: 6,
    build: gqlCase('aliases', (rng) => {
      const n = pick(rng, [16, 50, 500, 5000, 20_000]);
      const field = pick(rng, [
        '__typename',
        'viewer { id }',
        'viewer { expenses(first: 100) { nodes { id description } } }',
        'node(id: "RXhwZW5zZTox") { id }',
        '__type(name: "Query") { fields { name } }',
      ]);
      const query = big(`aliases ${n} ${field}`, () => {
        const aliases = Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ');
        return `{ ${aliases} }`;
      });
      return [`${n} aliases of ${field.split(' ')[0]}`, { query }];
    }),
  },
  {
    weight: 8,
    build: (rng, who) => {
      const valid = JSON.stringify({ query: '{ viewer { id } }' });
      const bodies: [string, string | Uint8Array, string][] = [
        ['truncated JSON', valid.slice(0, int(rng, 1, valid.length - 1)), 'application/json'],
        ['open brace', '{', 'application/json'],
        ['no value', '{"query":}', 'application/json'],
        [
          'invalid UTF-8',
          new Uint8Array([0x7b, 0x22, 0x71, 0xff, 0xfe, 0x22, 0x3a, 0x7d]),
          'application/json',
        ],
        ['byte-order mark', `\ufeff${valid}`, 'application/json'],
        ['batched array', `[${valid},${valid}]`, 'application/json'],
        ['empty array', '[]', 'application/json'],
        ['null', 'null', 'application/json'],
        ['number', '123', 'application/json'],
        ['string', '"{ viewer { id } }"', 'application/json'],
        ['query is a number', '{"query":123}', 'application/json'],
        ['query is an array', '{"query":["{ viewer { id } }"]}', 'application/json'],
        ['query is an object', '{"query":{"kind":"Document"}}', 'application/json'],
        [
          'variables is a string',
          '{"query":"query($x: Int) { __typename }","variables":"{"}',
          'application/json',
        ],
        [
          'variables is an array',
          '{"query":"{ __typename }","variables":[1,2]}',
          'application/json',
        ],
        [
          'operationName is a number',
          '{"query":"{ __typename }","operationName":7}',
          'application/json',
        ],
        [
          'extensions is a string',
          '{"query":"{ __typename }","extensions":"x"}',
          'application/json',
        ],
        [
          'huge exponent',
          '{"query":"query($n: Int) { viewer { expenses(first: $n) { totalCount } } }","variables":{"n":1e999999}}',
          'application/json',
        ],
        [
          'duplicate keys',
          '{"query":"{ __typename }","query":"{ viewer { id } }"}',
          'application/json',
        ],
        ['empty body', '', 'application/json'],
        ['whitespace', '   \n\t  ', 'application/json'],
        ['JSON as text/plain', valid, 'text/plain'],
        ['JSON without a type', valid, ''],
        ['JSON as XML', valid, 'application/xml'],
        ['form as JSON', 'query=%7B__typename%7D', 'application/json'],
        ['multipart without boundary', valid, 'multipart/form-data'],
        [
          'random bytes',
          String.fromCharCode(...Array.from({ length: 64 }, () => int(rng, 0, 255))),
          'application/json',
        ],
      ];
      const [label, body, type] = pick(rng, bodies);
      const headers: Record<string, string> = { ...who, 'x-graphql-yoga-csrf': '1' };
      if (type) headers['content-type'] = type;
      return raw('malformed JSON', label, body, headers);
    },
  },
  {
    weight: 7,
    build: (rng, who) => {
      const depth = pick(rng, [33, 100, 1000, 10_000, 200_000]);
      const shape = int(rng, 0, 3);
      const value = big(`variables ${shape} ${depth}`, () =>
        shape === 0
          ? nested('[', ']', depth)
          : shape === 1
            ? nested('{"a":', '}', depth, '1')
            : shape === 2
              ? nested('[{"x":', '}]', Math.ceil(depth / 2), '"y"')
              : `"${'['.repeat(Math.min(depth, 50_000))}"`,
      );
      const query = 'query Q($x: JSON) { __typename }';
      const where = int(rng, 0, 3);
      if (where === 3) {
        const params = new URLSearchParams({ query, variables: `{"x":${value}}` });
        return raw(
          'deep variables',
          `variables ${depth} deep (GET)`,
          undefined,
          { ...who, accept: 'application/json', 'x-graphql-yoga-csrf': '1' },
          'GET',
          `/graphql?${params}`.slice(0, 60_000),
        );
      }
      const body =
        where === 0
          ? `{"query":${JSON.stringify(query)},"variables":{"x":${value}}}`
          : where === 1
            ? `{"query":${JSON.stringify(query)},"extensions":{"persistedQuery":${value}}}`
            : new URLSearchParams({ query, variables: `{"x":${value}}` }).toString();
      return raw(
        'deep variables',
        `${where === 1 ? 'extensions' : 'variables'} ${depth} deep${where === 2 ? ' (form)' : ''}`,
        body,
        {
          ...who,
          'content-type': where === 2 ? 'application/x-www-form-urlencoded' : 'application/json',
          'x-graphql-yoga-csrf': '1',
        },
      );
    },
  },
  {
    weight: 6,
    build: gqlCase('huge variables', (rng) => {
      const kind = int(rng, 0, 5);
      if (kind === 0) {
        const size = pick(rng, [10_000, 100_000, 900_000]);
        return [
          `a ${size}-character description`,
          {
            query: CREATE,
            variables: {
              input: { amount: '1.00', description: big(`d${size}`, () => 'x'.repeat(size)) },
            },
          },
        ];
      }
      if (kind === 1) {
        return [
          '60,000 list values',
          {
            query: 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
            variables: { ids: Array.from({ length: 60_000 }, (_, i) => String(i)) },
          },
        ];
      }
      if (kind === 2) {
        return [
          '1,000 node ids',
          {
            query: 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
            variables: { ids: Array.from({ length: 1000 }, (_, i) => b64(`Expense:${i}`)) },
          },
        ];
      }
      if (kind === 3) {
        return [
          '20,000 variable keys',
          {
            query: '{ __typename }',
            variables: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i])),
          },
        ];
      }
      if (kind === 4) {
        return [
          'page sizes past the limit',
          {
            query: LIST,
            variables: {
              first: pick(rng, [2_147_483_647, -2_147_483_648, 1e10, 100_000, 1.5, '10']),
            },
          },
        ];
      }
      return [
        '10,000 keywords',
        {
          query:
            'mutation($i: CreateCategoryInput!) { createCategory(input: $i) { category { id } } }',
          variables: {
            i: { name: 'K', keywords: Array.from({ length: 10_000 }, (_, i) => `w${i}`) },
          },
        },
      ];
    }),
  },
  {
    weight: 5,
    build: (rng, who) => {
      const kind = int(rng, 0, 5);
      if (kind === 5) {
        return raw(
          'NUL characters',
          'chat text with NUL',
          JSON.stringify({ text: 'coffee\u00003.50' }),
          { ...who, 'content-type': 'application/json' },
          'POST',
          '/webhooks/chat',
        );
      }
      const [label, op]: [string, Operation] =
        kind === 0
          ? [
              'NUL in a description',
              { query: CREATE, variables: { input: { amount: '1.00', description: 'a\u0000b' } } },
            ]
          : kind === 1
            ? [
                'NUL in a string literal',
                {
                  query: '{ viewer { expenses(filter: { search: "a\\u0000b" }) { totalCount } } }',
                },
              ]
            : kind === 2
              ? ['NUL in the document', { query: '{ viewer { id } }\u0000{ x }' }]
              : kind === 3
                ? [
                    'NUL in a log-in',
                    {
                      query: 'mutation($i: LogInInput!) { logIn(input: $i) { token } }',
                      variables: { i: { email: 'a\u0000@b.c', password: 'password\u0000123' } },
                    },
                  ]
                : [
                    'NUL in a variable name and operation name',
                    {
                      query: '{ __typename }',
                      variables: { 'a\u0000': 1 },
                      operationName: 'x\u0000',
                    },
                  ];
      return transport(rng, 'NUL characters', label, op, who);
    },
  },
  {
    weight: 7,
    build: gqlCase('bad global IDs', (rng, ids) => {
      const id = pick(rng, BAD_IDS(ids));
      const kind = int(rng, 0, 5);
      const label = `id ${JSON.stringify(id.slice(0, 30))}`;
      if (kind === 0) return [`node(${label})`, { query: NODE, variables: { id } }];
      if (kind === 1)
        return [
          `deleteExpense(${label})`,
          {
            query: 'mutation($id: ID!) { deleteExpense(input: { id: $id }) { deletedId } }',
            variables: { id },
          },
        ];
      if (kind === 2)
        return [
          `updateExpense(${label})`,
          { query: UPDATE, variables: { input: { id, amount: '2.00' } } },
        ];
      if (kind === 3)
        return [
          `createExpense(categoryId: ${label})`,
          {
            query: CREATE,
            variables: { input: { amount: '1.00', description: 'x', categoryId: id } },
          },
        ];
      if (kind === 4)
        return [
          `job(${label})`,
          { query: 'query($id: ID!) { job(id: $id) { state } }', variables: { id } },
        ];
      return [
        `filter by category ${label}`,
        { query: LIST, variables: { filter: { categoryId: id } } },
      ];
    }),
  },
  {
    weight: 7,
    build: gqlCase('cursors', (rng) => {
      const cursor = pick(rng, BAD_CURSORS);
      const kind = int(rng, 0, 5);
      const order = pick(rng, [
        'DATE_DESC',
        'DATE_ASC',
        'AMOUNT_ASC',
        'AMOUNT_DESC',
        'CREATED_DESC',
      ]);
      const label = `cursor ${JSON.stringify(cursor.slice(0, 24))}`;
      if (kind === 0)
        return [`after ${label}`, { query: LIST, variables: { after: cursor, first: 5, order } }];
      if (kind === 1)
        return [`before ${label}`, { query: LIST, variables: { before: cursor, last: 5, order } }];
      if (kind === 2) return ['first and last', { query: LIST, variables: { first: 5, last: 5 } }];
      if (kind === 3)
        return [
          'after and before',
          { query: LIST, variables: { after: cursor, before: cursor, first: 3 } },
        ];
      if (kind === 4) return ['negative first', { query: LIST, variables: { first: -1 } }];
      return [
        `categories after ${label}`,
        {
          query:
            'query($a: String) { viewer { categories(after: $a, first: 3) { nodes { id } } } }',
          variables: { a: cursor },
        },
      ];
    }),
  },
  {
    weight: 7,
    build: gqlCase('Decimals and Dates', (rng) => {
      const amount = pick(rng, BAD_DECIMALS);
      const date = pick(rng, BAD_DATES);
      const kind = int(rng, 0, 5);
      if (kind === 0)
        return [
          `amount ${JSON.stringify(amount)}`,
          { query: CREATE, variables: { input: { amount, description: 'x' } } },
        ];
      if (kind === 1)
        return [
          `date ${JSON.stringify(date)}`,
          { query: CREATE, variables: { input: { amount: '1.00', description: 'x', date } } },
        ];
      if (kind === 2)
        return [
          `summary ${JSON.stringify(date)}`,
          { query: SUMMARY, variables: { from: date, to: pick(rng, BAD_DATES) } },
        ];
      if (kind === 3)
        return [
          `minAmount ${JSON.stringify(amount)}`,
          {
            query: LIST,
            variables: { filter: { minAmount: amount, maxAmount: pick(rng, BAD_DECIMALS) } },
          },
        ];
      if (kind === 4)
        return [
          `budget ${JSON.stringify(amount)}`,
          {
            query:
              'mutation($b: Decimal) { updateSettings(input: { monthlyBudget: $b }) { user { id } } }',
            variables: { b: amount },
          },
        ];
      return [
        `literal amount ${JSON.stringify(amount)}`,
        {
          query: `mutation { createExpense(input: { amount: ${JSON.stringify(amount) ?? 'null'}, description: "x", date: ${JSON.stringify(date) ?? 'null'} }) { expense { id } } }`,
        },
      ];
    }),
  },
  {
    weight: 4,
    build: (rng, who) => {
      const kind = int(rng, 0, 4);
      const size = pick(rng, [MIB + 1, MIB + 100_000, 3 * MIB]);
      const filler = () => big(`f${size}`, () => 'y'.repeat(size));
      if (kind === 0) {
        return raw(
          'oversized bodies',
          `${size}-byte JSON`,
          `{"query":"{ __typename }","variables":{"x":"${filler()}"}}`,
          { ...who, 'content-type': 'application/json' },
        );
      }
      if (kind === 1) {
        // Chunked: no Content-Length to refuse it by.
        const chunk = new TextEncoder().encode('z'.repeat(64 * 1024));
        const chunks = Math.ceil(size / chunk.length);
        return raw(
          'oversized bodies',
          `${size}-byte chunked body`,
          () =>
            new ReadableStream<Uint8Array>({
              start(controller) {
                controller.enqueue(new TextEncoder().encode('{"query":"{ __typename }","x":"'));
                for (let i = 0; i < chunks; i++) controller.enqueue(chunk);
                controller.close();
              },
            }),
          { ...who, 'content-type': 'application/json' },
        );
      }
      if (kind === 2) {
        return raw('oversized bodies', `${size}-byte form body`, `query=${filler()}`, {
          ...who,
          'content-type': 'application/x-www-form-urlencoded',
          'x-graphql-yoga-csrf': '1',
        });
      }
      if (kind === 3) {
        return raw(
          'oversized bodies',
          `${size}-byte chat message`,
          filler(),
          { ...who, 'content-type': 'text/plain' },
          'POST',
          '/webhooks/chat',
        );
      }
      const length = pick(rng, [20_000, 70_000]);
      return raw(
        'oversized bodies',
        `${length}-character URL`,
        undefined,
        { ...who, 'x-graphql-yoga-csrf': '1' },
        'GET',
        `/graphql?query=${'a'.repeat(length)}`,
      );
    },
  },
  {
    weight: 7,
    build: gqlCase('introspection abuse', (rng) => {
      const kind = int(rng, 0, 6);
      if (kind === 0) {
        const depth = pick(rng, [5, 10, 30, 100]);
        return [
          `ofType ${depth} deep`,
          {
            query: `{ __schema { types { fields { ${nested('type { ofType { ', '} } ', depth, 'name ')} } } } }`,
          },
        ];
      }
      if (kind === 1) {
        return [
          'full introspection',
          {
            query: `{ __schema { types { name kind fields(includeDeprecated: true) { name args { name type { name } } type { name kind ofType { name kind ofType { name } } } } inputFields { name } enumValues { name } interfaces { name } possibleTypes { name } } directives { name args { name } } } }`,
          },
        ];
      }
      if (kind === 2) {
        const n = pick(rng, [15, 16, 200]);
        return [
          `${n} __schema aliases`,
          {
            query: `{ ${Array.from({ length: n }, (_, i) => `s${i}: __schema { types { fields { name } } }`).join(' ')} }`,
          },
        ];
      }
      if (kind === 3) {
        return [
          'cyclic fragments',
          {
            query: '{ ...A } fragment A on Query { ...B __typename } fragment B on Query { ...A }',
          },
        ];
      }
      if (kind === 4) {
        const n = pick(rng, [100, 1000]);
        const fragments = Array.from(
          { length: n },
          (_, i) => `fragment F${i} on Query { ${i + 1 < n ? `...F${i + 1}` : '__typename'} }`,
        ).join(' ');
        return [`${n} chained fragments`, { query: `{ ...F0 } ${fragments}` }];
      }
      if (kind === 5) {
        const n = pick(rng, [51, 500, 3000]);
        return [`${n} directives`, { query: `{ __typename ${'@include(if: true) '.repeat(n)}}` }];
      }
      return ['__typename 10,000 times', { query: `{ ${'__typename '.repeat(10_000)}}` }];
    }),
  },
  {
    weight: 6,
    build: gqlCase('persisted queries', (rng) => {
      const hash = Array.from({ length: 64 }, () => int(rng, 0, 15).toString(16)).join('');
      const variants: [string, Operation][] = [
        [
          'unknown hash',
          { query: undefined, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } },
        ],
        [
          'hash not matching the query',
          {
            query: '{ viewer { id } }',
            extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
          },
        ],
        [
          'version 2',
          { query: undefined, extensions: { persistedQuery: { version: 2, sha256Hash: hash } } },
        ],
        [
          'short hash',
          {
            query: '{ __typename }',
            extensions: { persistedQuery: { version: 1, sha256Hash: 'zz' } },
          },
        ],
        ['numeric hash', { extensions: { persistedQuery: { version: 1, sha256Hash: 123 } } }],
        [
          '10 KB hash',
          { extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(10_000) } } },
        ],
        ['persistedQuery a string', { extensions: { persistedQuery: 'x' } }],
        ['persistedQuery null', { query: '{ __typename }', extensions: { persistedQuery: null } }],
        [
          'hash of NULs',
          { extensions: { persistedQuery: { version: 1, sha256Hash: '\u0000'.repeat(64) } } },
        ],
      ];
      return pick(rng, variants);
    }),
  },
  {
    weight: 6,
    build: (rng, who, ids) => {
      const variants: (() => HostileRequest)[] = [
        () =>
          raw(
            'methods and paths',
            'GET mutation',
            undefined,
            { ...who, 'x-graphql-yoga-csrf': '1' },
            'GET',
            `/graphql?query=${encodeURIComponent('mutation { deleteExpense(input: { id: "x" }) { deletedId } }')}`,
          ),
        () =>
          raw(
            'methods and paths',
            'GET without the CSRF header',
            undefined,
            { ...who },
            'GET',
            `/graphql?query=${encodeURIComponent('{ viewer { id } }')}`,
          ),
        () =>
          raw(
            'methods and paths',
            'GET with malformed variables',
            undefined,
            { ...who, 'x-graphql-yoga-csrf': '1' },
            'GET',
            `/graphql?query=${encodeURIComponent('query($x: Int) { __typename }')}&variables=%7B`,
          ),
        () =>
          raw(
            'methods and paths',
            'GET with malformed extensions',
            undefined,
            { ...who, 'x-graphql-yoga-csrf': '1' },
            'GET',
            '/graphql?extensions=%7B%22persistedQuery',
          ),
        () =>
          raw(
            'methods and paths',
            'GET without a query',
            undefined,
            { ...who, 'x-graphql-yoga-csrf': '1', accept: 'application/json' },
            'GET',
            '/graphql',
          ),
        () =>
          raw(
            'methods and paths',
            'GraphiQL page',
            undefined,
            { ...who, accept: 'text/html' },
            'GET',
            '/graphql',
          ),
        () =>
          raw('methods and paths', 'event stream', JSON.stringify({ query: '{ viewer { id } }' }), {
            ...who,
            accept: 'text/event-stream',
            'content-type': 'application/json',
          }),
        () =>
          raw(
            'methods and paths',
            pick(rng, ['PUT', 'DELETE', 'PATCH']),
            JSON.stringify({ query: '{ __typename }' }),
            { ...who, 'content-type': 'application/json' },
            pick(rng, ['PUT', 'DELETE', 'PATCH']),
          ),
        () =>
          raw(
            'methods and paths',
            'OPTIONS preflight',
            undefined,
            { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
            'OPTIONS',
          ),
        () => raw('methods and paths', 'HEAD', undefined, { ...who }, 'HEAD'),
        () =>
          raw(
            'methods and paths',
            'unknown path',
            undefined,
            { ...who },
            'GET',
            pick(rng, [
              '/graphql/../../etc/passwd',
              '/%00',
              '/graphql%00',
              '/.env',
              '/admin',
              `/${'x'.repeat(5000)}`,
            ]),
          ),
        () =>
          raw(
            'methods and paths',
            'export download of a bad id',
            undefined,
            { ...who },
            'GET',
            `/exports/${encodeURIComponent(pick(rng, BAD_IDS(ids)))}/download`,
          ),
        () =>
          raw(
            'methods and paths',
            'export download of another user’s id',
            undefined,
            { ...who },
            'GET',
            `/exports/${ids.export}/download`,
          ),
        () =>
          raw(
            'methods and paths',
            'chat webhook, JSON not an object',
            pick(rng, ['[]', '"x"', '{"text":5}', '{"text":null}', '{', '']),
            { ...who, 'content-type': 'application/json' },
            'POST',
            '/webhooks/chat',
          ),
        () =>
          raw(
            'methods and paths',
            'chat webhook, GET',
            undefined,
            { ...who },
            'GET',
            '/webhooks/chat',
          ),
        () => raw('methods and paths', 'metrics with a body', 'x', { ...who }, 'POST', '/metrics'),
      ];
      return pick(rng, variants)();
    },
  },
  {
    weight: 8,
    build: gqlCase('hostile mutations', (rng, ids) => {
      const variants: [string, Operation][] = [
        [
          'sign-up with a 1 MB password',
          {
            query: 'mutation($i: SignUpInput!) { signUp(input: $i) { token } }',
            variables: {
              i: {
                email: `h${int(rng, 0, 1e9)}@example.com`,
                name: 'H',
                password: big('p', () => 'p'.repeat(500_000)),
              },
            },
          },
        ],
        [
          'sign-up with a hostile email',
          {
            query: 'mutation($i: SignUpInput!) { signUp(input: $i) { token } }',
            variables: {
              i: {
                email: pick(rng, [
                  'a@b',
                  '@@',
                  `${'a'.repeat(300)}@x.io`,
                  'a b@c.d',
                  '"x"@y.z',
                  'ÄÖ@ü.de',
                ]),
                name: 'H',
                password: 'password123',
              },
            },
          },
        ],
        [
          'log-in with a wrong password',
          {
            query: 'mutation($i: LogInInput!) { logIn(input: $i) { token } }',
            variables: {
              i: { email: 'nobody@example.com', password: 'x'.repeat(int(rng, 0, 300)) },
            },
          },
        ],
        [
          'webhook to a private address',
          {
            query:
              'mutation($u: String) { updateSettings(input: { notificationWebhookUrl: $u }) { user { id } } }',
            variables: {
              u: pick(rng, [
                'http://127.0.0.1/x',
                'http://[::1]/',
                'http://169.254.169.254/latest',
                'javascript:alert(1)',
                'file:///etc/passwd',
                'http://0x7f000001/',
                `http://${'a'.repeat(300)}.com/`,
                'ftp://x.y/',
              ]),
            },
          },
        ],
        [
          'category with a hostile color and name',
          {
            query:
              'mutation($i: CreateCategoryInput!) { createCategory(input: $i) { category { id } } }',
            variables: {
              i: {
                name: pick(rng, ['', ' ', 'x'.repeat(10_000), '💸']),
                color: pick(rng, ['red', '#12345g', `#${'f'.repeat(1000)}`, null]),
              },
            },
          },
        ],
        [
          'export with an impossible range',
          {
            query:
              'mutation($f: Date, $t: Date) { requestExport(input: { format: CSV, from: $f, to: $t }) { export { id } } }',
            variables: { f: pick(rng, BAD_DATES), t: pick(rng, BAD_DATES) },
          },
        ],
        [
          'chat message that works a regex',
          {
            query:
              'mutation($t: String!) { submitChatMessage(input: { text: $t }) { job { id } } }',
            variables: { t: pick(rng, CHAT_TEXTS) },
          },
        ],
        [
          'update of another user’s category',
          {
            query:
              'mutation($id: ID!) { updateCategory(input: { id: $id, name: "mine" }) { category { id } } }',
            variables: { id: b64(`Category:${int(rng, 1, 40)}`) },
          },
        ],
        [
          'delete of a category twice',
          {
            query:
              'mutation($id: ID!) { a: deleteCategory(input: { id: $id }) { deletedId } b: deleteCategory(input: { id: $id }) { deletedId } }',
            variables: { id: ids.category },
          },
        ],
        [
          'bulk create of 1,001 rows',
          {
            query: 'mutation($i: CreateExpensesInput!) { createExpenses(input: $i) { count } }',
            variables: {
              i: {
                expenses: Array.from({ length: 1001 }, () => ({
                  amount: '1.00',
                  description: 'b',
                })),
              },
            },
          },
        ],
        [
          'currency oddities',
          {
            query: CREATE,
            variables: {
              input: {
                amount: '1.00',
                description: 'c',
                currency: pick(rng, ['usd', 'XXX', 'US', 'ABCD', '€', '']),
              },
            },
          },
        ],
        [
          'a user asking for users',
          {
            query:
              '{ users(first: 100) { nodes { email categories(first: 100) { nodes { expenses(first: 100) { nodes { id } } } } } } }',
          },
        ],
      ];
      return pick(rng, variants);
    }),
  },
  {
    weight: 4,
    build: (rng, who) => {
      const text = pick(rng, CHAT_TEXTS);
      const asJson = rng() < 0.5;
      return raw(
        'chat webhook',
        `chat text ${JSON.stringify(text.slice(0, 16))}… (${text.length} chars)`,
        asJson ? JSON.stringify({ text }) : text,
        { ...who, 'content-type': asJson ? 'application/json' : 'text/plain' },
        'POST',
        '/webhooks/chat',
      );
    },
  },
];

const TOTAL_WEIGHT = BUILDERS.reduce((sum, b) => sum + b.weight, 0);

/** The `count` requests of `seed`, in order. */
export function* generateHostileRequests(
  seed: number,
  count: number,
  who: Identities,
): Generator<HostileRequest> {
  const rng = random(seed);
  for (let i = 0; i < count; i++) {
    const roll = rng();
    const auth: Record<string, string> =
      roll < 0.35
        ? {}
        : roll < 0.75
          ? { authorization: `Bearer ${who.user}` }
          : roll < 0.85
            ? { authorization: `Bearer ${who.admin}` }
            : { authorization: pick(rng, who.forged) };
    // A builder with probability proportional to its weight.
    let at = rng() * TOTAL_WEIGHT;
    let builder = BUILDERS[0] as (typeof BUILDERS)[0];
    for (const candidate of BUILDERS) {
      builder = candidate;
      at -= candidate.weight;
      if (at < 0) break;
    }
    yield builder.build(rng, auth, who.ids);
  }
}
