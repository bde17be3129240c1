import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { grantAdmin } from '../helpers/admin.js';
import { useTestApp } from '../helpers/app.js';

// ADMIN_EMAILS is set to show that it grants nothing by itself (only `npm run admin` reads it).
const t = useTestApp({ ADMIN_EMAILS: 'admin@example.com' });
const SECRET = new TextEncoder().encode('test-secret-test-secret-test-secret!');
const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { token user { id email } } }`;
const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { token user { id email name currency } } }`;

function claimsOf(token: string) {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
}

describe('signUp', () => {
  it('creates the user with at least five default categories, each with keywords', async () => {
    const res = await t.gql(SIGN_UP, {
      input: {
        email: 'New.Person@Example.com',
        name: ' New Person ',
        password: 'longenough',
        currency: 'eur',
      },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data?.signUp.user).toMatchObject({
      email: 'New.Person@Example.com',
      name: 'New Person',
      currency: 'EUR',
    });
    const claims = claimsOf(res.data?.signUp.token);
    expect(claims).toMatchObject({ sub: res.data?.signUp.user.id, role: 'user' });
    expect(claims.exp).toBeGreaterThan(Date.now() / 1000);
    const me = await t.gql(
      '{ viewer { categories(first: 50) { totalCount nodes { keywords } } } }',
      {},
      res.data?.signUp.token,
    );
    const categories = me.data?.viewer.categories;
    expect(categories.totalCount).toBeGreaterThanOrEqual(5);
    for (const category of categories.nodes) expect(category.keywords.length).toBeGreaterThan(0);
  });

  it('defaults the currency to USD', async () => {
    const { token } = await t.signUp();
    const res = await t.gql('{ viewer { currency } }', {}, token);
    expect(res.data?.viewer.currency).toBe('USD');
  });

  it.each([
    [{ email: 'not-an-email' }, 'email'],
    [{ password: 'short' }, 'password'],
    [{ name: '   ' }, 'name'],
    [{ name: 'x'.repeat(101) }, 'name'],
    [{ currency: 'XYZ' }, 'currency'],
  ])('rejects %j as BAD_USER_INPUT on %s and creates nothing', async (override, field) => {
    const email = `bad-${field}-${Math.random()}@example.com`;
    const input = { email, name: 'Someone', password: 'password123', ...override };
    const res = await t.gql(SIGN_UP, { input });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    const login = await t.gql(LOG_IN, { input: { email, password: 'password123' } });
    expect(login.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a duplicate email, whatever its case', async () => {
    const { email } = await t.signUp();
    const res = await t.gql(SIGN_UP, {
      input: { email: email.toUpperCase(), name: 'Twin', password: 'password123' },
    });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
  });

  it('never makes an admin by sign-up, even with an ADMIN_EMAILS address; a grant does', async () => {
    const res = await t.gql(SIGN_UP, {
      input: { email: 'ADMIN@example.com', name: 'Admin', password: 'password123' },
    });
    expect(claimsOf(res.data?.signUp.token).role).toBe('user');
    const refused = await t.gql('{ users(first: 1) { totalCount } }', {}, res.data?.signUp.token);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await grantAdmin(t.app, 'admin@example.com');
    const login = await t.gql(LOG_IN, {
      input: { email: 'admin@example.com', password: 'password123' },
    });
    expect(claimsOf(login.data?.logIn.token).role).toBe('admin');
    // At once, though this user's role ('user') was read moments ago, likely in the same second
    // the new token was issued in (its iat is whole seconds).
    const listed = await t.gql('{ users(first: 1) { totalCount } }', {}, login.data?.logIn.token);
    expect(listed.errors).toBeUndefined();
  });

  it('compares emails after NFKC and case folding: a Kelvin-sign variant is the same account', async () => {
    const { email } = await t.signUp({ email: 'kate@example.com' });
    for (const variant of ['\u212Aate@example.com', 'ＫＡＴＥ@example.com', ' Kate@EXAMPLE.com ']) {
      const twin = await t.gql(SIGN_UP, {
        input: { email: variant, name: 'Twin', password: 'password123' },
      });
      expect(twin.errors?.[0]?.extensions, variant).toMatchObject({ code: 'BAD_USER_INPUT' });
      const login = await t.gql(LOG_IN, { input: { email: variant, password: 'password123' } });
      expect(login.errors, variant).toBeUndefined();
    }
    const straße = await t.signUp({ email: 'straße@example.com' });
    const twin = await t.gql(SIGN_UP, {
      input: { email: 'STRASSE@example.com', name: 'Twin', password: 'password123' },
    });
    expect(twin.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(straße.email).not.toBe(email);
  });
});

describe('logIn', () => {
  it('returns a working token for the right password', async () => {
    const { email, id } = await t.signUp({ password: 'the right one' });
    const res = await t.gql(LOG_IN, { input: { email, password: 'the right one' } });
    expect(res.data?.logIn.user.id).toBe(id);
    const me = await t.gql('{ viewer { id } }', {}, res.data?.logIn.token);
    expect(me.data?.viewer.id).toBe(id);
  });

  it('answers UNAUTHENTICATED for a wrong password or an unknown email, alike', async () => {
    const { email } = await t.signUp();
    const wrong = await t.gql(LOG_IN, { input: { email, password: 'not the password' } });
    const unknown = await t.gql(LOG_IN, {
      input: { email: 'nobody@example.com', password: 'whatever1' },
    });
    expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(unknown.errors?.[0]?.message).toBe(wrong.errors?.[0]?.message);
  });
});

describe('bearer tokens', () => {
  it('gives a null viewer without a token', async () => {
    const res = await t.gql('{ viewer { id } }');
    expect(res.data?.viewer).toBeNull();
  });

  it.each([
    ['garbage', async () => 'not.a.jwt'],
    [
      'a forged signature',
      async () =>
        new SignJWT({ role: 'admin' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('VXNlcjox')
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode('another-secret-another-secret-xx')),
    ],
    [
      'an expired token',
      async () =>
        new SignJWT({ role: 'user' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('VXNlcjox')
          .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
          .sign(SECRET),
    ],
    [
      'alg none',
      async () =>
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"VXNlcjox","role":"admin"}').toString('base64url')}.`,
    ],
    [
      'HS512 with the right key',
      async () =>
        new SignJWT({ role: 'user' })
          .setProtectedHeader({ alg: 'HS512' })
          .setSubject('VXNlcjox')
          .setExpirationTime('1h')
          .sign(SECRET),
    ],
    [
      'a sub that is not a User ID',
      async () =>
        new SignJWT({ role: 'user' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('Q2F0ZWdvcnk6MQ==')
          .setExpirationTime('1h')
          .sign(SECRET),
    ],
  ])('refuses %s with UNAUTHENTICATED', async (_name, make) => {
    const res = await t.gql('{ viewer { id } }', {}, await make());
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.data?.viewer).toBeUndefined();
  });
});

describe('users (admin listing)', () => {
  it('is UNAUTHENTICATED anonymously and FORBIDDEN for a plain user', async () => {
    const { token } = await t.signUp();
    const anonymous = await t.gql('{ users(first: 5) { totalCount } }');
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const user = await t.gql('{ users(first: 5) { totalCount } }', {}, token);
    expect(user.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('lists every user for an admin, paginated', async () => {
    const admin = await t.gql(LOG_IN, {
      input: { email: 'admin@example.com', password: 'password123' },
    });
    const token = admin.data?.logIn.token;
    const all = await t.gql('{ users(first: 100) { totalCount nodes { id email } } }', {}, token);
    const total = all.data?.users.totalCount;
    expect(total).toBeGreaterThan(3);
    expect(all.data?.users.nodes).toHaveLength(total);
    const first = await t.gql(
      '{ users(first: 2) { nodes { id } pageInfo { hasNextPage endCursor } } }',
      {},
      token,
    );
    const next = await t.gql(
      'query($after: String) { users(first: 2, after: $after) { nodes { id } pageInfo { hasPreviousPage } } }',
      { after: first.data?.users.pageInfo.endCursor },
      token,
    );
    expect(first.data?.users.pageInfo.hasNextPage).toBe(true);
    expect(next.data?.users.nodes.map((n: { id: string }) => n.id)).toEqual(
      all.data?.users.nodes.slice(2, 4).map((n: { id: string }) => n.id),
    );
    expect(next.data?.users.pageInfo.hasPreviousPage).toBe(true);
  });
});
