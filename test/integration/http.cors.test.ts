/**
 * Cross-origin browser access is what CORS_ORIGINS says: none by default, the listed origins
 * with credentials, or any origin without them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, startApp } from '../helpers/cache-app.js';
import { createTestDatabase } from '../helpers/database.js';

const APP = 'https://app.example.com';
const OTHER = 'https://evil.example.net';

let drop: () => Promise<void>;
let closed: Client;
let listed: Client;
let open: Client;
beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  [closed, listed, open] = await Promise.all([
    startApp(db.url),
    startApp(db.url, { CORS_ORIGINS: `${APP}, http://localhost:5173` }),
    startApp(db.url, { CORS_ORIGINS: '*' }),
  ]);
});
afterAll(async () => {
  await Promise.all([closed, listed, open].map((c) => c?.app.stop()));
  await drop?.();
});

/** A browser's preflight for a POST with the Authorization header. */
const preflight = (client: Client, origin: string) =>
  client.http.fetch('/graphql', {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });

const query = (client: Client, origin: string) =>
  client.post('{ __typename }', {}, undefined, { origin });

describe('CORS', () => {
  it('lets no other origin in by default', async () => {
    const answer = await query(closed, APP);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect((await preflight(closed, APP)).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets the listed origins in with credentials, and no other', async () => {
    for (const origin of [APP, 'http://localhost:5173']) {
      const answer = await preflight(listed, origin);
      expect(answer.headers.get('access-control-allow-origin')).toBe(origin);
      expect(answer.headers.get('access-control-allow-credentials')).toBe('true');
      expect(answer.headers.get('access-control-allow-headers')).toMatch(/authorization/i);
      const read = await query(listed, origin);
      expect(read.headers.get('access-control-allow-origin')).toBe(origin);
    }
    const refused = await query(listed, OTHER);
    expect(refused.headers.get('access-control-allow-origin')).not.toBe(OTHER);
    expect(refused.headers.get('access-control-allow-origin')).not.toBe('*');
  });

  it('lets any origin in without credentials when it is *', async () => {
    const answer = await query(open, OTHER);
    // The origin itself (yoga's CORS answers so), which a browser treats as *.
    expect(answer.headers.get('access-control-allow-origin')).toBe(OTHER);
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
  });
});
