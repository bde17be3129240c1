import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';

const dev = useTestApp();

const DEEP = `viewer { expenses { nodes { category { user { categories { nodes { user { categories { nodes { user { name } } } } } } } } } } }`;

describe('query safety', () => {
  it('refuses a document over 2000 tokens before parsing it all', async () => {
    const fields = Array.from({ length: 700 }, () => 'id name email').join(' ');
    const res = await dev.gql(`{ viewer { ${fields} } }`);
    expect(res.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(res.errors?.[0]?.message).toMatch(/2000 tokens/);
  });

  it('refuses brackets nested thousands deep as QUERY_TOO_COMPLEX, before the parser recurses', async () => {
    const nested = (open: string, close: string, depth: number, inner: string) =>
      `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
    for (const query of [
      `{ node(id: ${nested('[', ']', 5000, '"x"')}) { id } }`,
      `{ viewer { expenses(filter: ${nested('{ search: ', '}', 3000, '"x"')}) { totalCount } } }`,
      nested('{ viewer ', '}', 5000, 'id'),
    ]) {
      const res = await dev.gql(query);
      expect(res.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
      expect(res.errors?.[0]?.message).toMatch(/nests deeper than 64 levels/);
    }
    // Brackets in strings, block strings and comments are text, not nesting.
    const text = '['.repeat(100);
    const res = await dev.gql(
      `# ${'{'.repeat(100)}\nquery Q { a: __type(name: "${text}") { name } b: __type(name: """${text}""") { name } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ a: null, b: null });
  });

  it('refuses more than 50 directives', async () => {
    const fields = (n: number) =>
      Array.from({ length: n }, () => 'id @include(if: true)').join(' ');
    expect((await dev.gql(`{ viewer { ${fields(50)} } }`)).errors).toBeUndefined();
    const res = await dev.gql(`{ viewer { ${fields(51)} } }`);
    expect(res.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('cannot dodge the depth limit by naming an operation or fragment __schema', async () => {
    const { token } = await dev.signUp();
    const named = await dev.gql(`query __schema { ${DEEP} }`, {}, token);
    expect(named.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    const fragment = await dev.gql(
      `query { ...__schema } fragment __schema on Query { ${DEEP} }`,
      {},
      token,
    );
    expect(fragment.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('refuses mutations over GET (405) and batched requests', async () => {
    const mutation = encodeURIComponent(
      'mutation { logIn(input: { email: "a@b.co", password: "password1" }) { token } }',
    );
    const get = await dev.fetch(`/graphql?query=${mutation}`, {
      headers: { 'x-graphql-yoga-csrf': '1', accept: 'application/json' },
    });
    expect(get.status).toBe(405);
    const batch = await dev.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ viewer { id } }' }, { query: '{ viewer { id } }' }]),
    });
    expect(batch.status).toBe(400);
  });

  it('suggests field names outside production', async () => {
    expect((await dev.gql('{ viewr { id } }')).errors?.[0]?.message).toMatch(
      /Did you mean "viewer"/,
    );
    expect(
      await (await dev.fetch('/graphql', { headers: { accept: 'text/html' } })).text(),
    ).toMatch(/graphiql/i);
  });

  it('asks non-preflighted browser requests for the CSRF header', async () => {
    const query = encodeURIComponent('{ viewer { id } }');
    const bare = await dev.fetch(`/graphql?query=${query}`, {
      headers: { accept: 'application/json' },
    });
    expect(bare.status).toBe(403);
    const withHeader = await dev.fetch(`/graphql?query=${query}`, {
      headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' },
    });
    expect(withHeader.status).toBe(200);
  });
});
