import { expect, it } from 'vitest';
import { createPool } from '../../src/db/client.js';
import { poolRunner } from '../../src/db/guarded-sql.js';
import { findUserByEmail, findUsersByIds, pageUsers } from '../../src/db/queries/users.js';
import { testConfig, useTestApp } from '../helpers/app.js';

/** A password hash leaves the database only for logging in: user reads for the API omit it. */
const t = useTestApp({ CACHE_ENABLED: 'false' });

it('reads users for the API without their password hash; logging in still reads it', async () => {
  const user = await t.signUp({ email: 'hash-reader@example.com' });
  const id = Number(Buffer.from(user.id, 'base64').toString().split(':')[1]);
  const pool = createPool(t.databaseUrl, testConfig(t.databaseUrl).db, 'ledgerline-hash-test');
  try {
    const sql = poolRunner(pool);
    const [byId] = await findUsersByIds(sql, [id]);
    expect(byId).toMatchObject({ id, email: 'hash-reader@example.com' });
    expect(byId).not.toHaveProperty('passwordHash');
    const page = await pageUsers(sql, { limit: 50, backward: false, cursor: null });
    expect(page.length).toBeGreaterThan(0);
    for (const row of page) expect(row).not.toHaveProperty('passwordHash');
    const { drizzle } = await import('drizzle-orm/postgres-js');
    const forLogIn = await findUserByEmail(drizzle(pool), 'hash-reader@example.com');
    expect(forLogIn?.passwordHash).toMatch(/^\S{20,}$/);
  } finally {
    await pool.end();
  }
  const logIn = await t.gql(
    'mutation { logIn(input: { email: "hash-reader@example.com", password: "password123" }) { token } }',
  );
  expect(logIn.data?.logIn.token).toBeTruthy();
});
