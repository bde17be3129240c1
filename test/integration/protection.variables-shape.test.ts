import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, startApp } from '../helpers/cache-app.js';
import { createTestDatabase } from '../helpers/database.js';

/**
 * Variables nested or sized past any real input are refused as BAD_USER_INPUT (400) before the
 * cache key, the persisted-query resolver or graphql's coercion walk them, on every way in: the
 * direct JSON path, yoga's GET and form bodies. The response cache is on, so its key builder
 * (which once overflowed the stack on these) is in the way.
 */
let client: Client;
let drop: () => Promise<void>;

const QUERY = 'query Q($x: String) { __typename }';
/** Uses its string variable (an unused one fails validation). */
const TYPE_QUERY = 'query T($x: String!) { __type(name: $x) { name } }';
const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

/** A form-encoded POST, as a browser form sends one. */
function postForm(fields: Record<string, string>): Promise<Response> {
  return client.http.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-graphql-yoga-csrf': '1' },
    body: new URLSearchParams(fields).toString(),
  });
}

async function expectRefused(response: Response, message: RegExp) {
  expect(response.status).toBe(400);
  const body = (await response.json()) as {
    errors: { message: string; extensions: Record<string, unknown> }[];
  };
  expect(body.errors).toHaveLength(1);
  expect(body.errors[0]?.extensions.code).toBe('BAD_USER_INPUT');
  expect(body.errors[0]?.message).toMatch(message);
  expect(JSON.stringify(body)).not.toMatch(/at .*\.js|stack|RangeError/);
}

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  client = await startApp(db.url, { REDIS_URL: 'redis://127.0.0.1:6379' });
});
afterAll(async () => {
  await client?.app.stop();
  await drop?.();
});

describe('the shape of variables', () => {
  it('refuses a JSON body whose variables nest 200,000 deep, before parsing it', async () => {
    const response = await client.http.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"query":${JSON.stringify(QUERY)},"variables":{"x":${deep(200_000)}}}`,
    });
    await expectRefused(response, /nests deeper than 32 levels/);
  });

  it('refuses deep extensions the same way (the persisted-query resolver reads them)', async () => {
    const response = await client.http.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"query":${JSON.stringify(QUERY)},"extensions":{"persistedQuery":${deep(5_000)}}}`,
    });
    await expectRefused(response, /nests deeper than 32 levels/);
  });

  it('counts brackets inside strings as text, not nesting', async () => {
    const { body } = await client.gql(TYPE_QUERY, { x: `${deep(100)} "quoted \\" ${deep(50)}` });
    expect(body).toEqual({ data: { __type: null } });
  });

  it('refuses more than 16,000 values at a shallow depth', async () => {
    const response = await client.post(QUERY, { x: Array.from({ length: 60_000 }, () => 1) });
    await expectRefused(response, /more than 16000 values/);
  });

  it('refuses deep variables in a GET query string', async () => {
    const url = `/graphql?query=${encodeURIComponent(QUERY)}&variables=${encodeURIComponent(`{"x":${deep(1_000)}}`)}`;
    const response = await client.http.fetch(url, {
      headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' },
    });
    await expectRefused(response, /nest deeper than 32 levels/);
  });

  it('refuses deep variables in a form body', async () => {
    const response = await postForm({ query: QUERY, variables: `{"x":${deep(10_000)}}` });
    await expectRefused(response, /nests deeper than 32 levels/);
  });

  it('refuses malformed JSON in a GET query string or a form body as BAD_USER_INPUT', async () => {
    for (const name of ['variables', 'extensions']) {
      const url = `/graphql?query=${encodeURIComponent(QUERY)}&${name}=${encodeURIComponent('{bad')}`;
      const response = await client.http.fetch(url, {
        headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' },
      });
      await expectRefused(response, /not valid JSON/);
    }
    await expectRefused(await postForm({ query: QUERY, variables: '{"x":' }), /not valid JSON/);
  });

  it('keeps serving after all of them', async () => {
    const { body } = await client.gql(TYPE_QUERY, { x: 'Query' });
    expect(body).toEqual({ data: { __type: { name: 'Query' } } });
    expect((await client.http.fetch('/health')).status).toBe(200);
  });
});

describe('the response cache key of variables', () => {
  const padded = (values: number, name: string) => ({
    x: name,
    pad: Array.from({ length: values }, (_, i) => i),
  });

  it('shares one entry between the same variables in another key order', async () => {
    const first = await client.gql(TYPE_QUERY, padded(100, 'Mutation'));
    expect(first.body).toEqual({ data: { __type: { name: 'Mutation' } } });
    const { x, pad } = padded(100, 'Mutation');
    const reordered = await client.gql(TYPE_QUERY, { pad, x });
    expect(reordered.cache).toBe('HIT');
  });

  it('is not built for variables too large to be worth an entry: answered, never stored', async () => {
    const variables = padded(2_500, 'Expense');
    const first = await client.gql(TYPE_QUERY, variables);
    expect(first.body).toEqual({ data: { __type: { name: 'Expense' } } });
    const second = await client.gql(TYPE_QUERY, variables);
    expect(second.body).toEqual(first.body);
    expect(second.cache).not.toBe('HIT');
  });
});
