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
    const page = await prod.fetch('/graphql', { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toMatch(/graphiql/i);
  });
});
