import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';

const prod = useTestApp({
  NODE_ENV: 'production',
  JWT_SECRET: 'production-secret-production-secret!',
});

describe('NODE_ENV=production', () => {
  it('turns introspection, field suggestions and GraphiQL off', async () => {
    const introspection = await prod.gql('{ __schema { queryType { name } } }');
    expect(introspection.errors?.length).toBeGreaterThan(0);
    expect(introspection.data?.__schema).toBeUndefined();
    const typo = await prod.gql('{ viewr { id } }');
    expect(typo.errors?.[0]?.message).toMatch(/Cannot query field "viewr"/);
    expect(typo.errors?.[0]?.message).not.toMatch(/Did you mean/);
    // Enum values in variables and literals, argument names: no suggestion either.
    const { token } = await prod.signUp();
    for (const [query, variables] of [
      [
        'query($o: ExpenseOrder) { viewer { expenses(orderBy: $o) { totalCount } } }',
        { o: 'DATE_DES' },
      ],
      ['{ viewer { expenses(orderBy: DATE_DES) { totalCount } } }', {}],
      ['{ viewer { expenses(frist: 2) { totalCount } } }', {}],
    ] as const) {
      const res = await prod.gql(query, variables, token);
      expect(res.errors?.length, query).toBeGreaterThan(0);
      for (const error of res.errors ?? [])
        expect(error.message, query).not.toMatch(/Did you mean/);
    }
    const page = await prod.fetch('/graphql', { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toMatch(/graphiql/i);
  });
});
