import { request as httpRequest, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/http/server.js';
import type { Json } from '../helpers/app.js';
import { type Client, startApp } from '../helpers/cache-app.js';
import { createTestDatabase } from '../helpers/database.js';
import { CREATE_EXPENSE } from '../helpers/operations.js';
import { eventually } from '../helpers/wait.js';

/** The real Node server path (what `npm start` serves), over real HTTP. */
let client: Client;
let server: Server;
let base: string;
let drop: () => Promise<void>;

const DASHBOARD = `{ viewer { expenses(first: 20) { totalCount nodes { amount } } } }`;

async function post(body: Json, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : null,
  };
}

async function sqlTotal() {
  return (await client.app.metrics.sqlStatements.get()).values[0]?.value ?? 0;
}

async function signUp(email: string) {
  const res = await post({
    query: `mutation { signUp(input: { email: "${email}", name: "H", password: "password123" }) { token } }`,
  });
  return res.body.data.signUp.token as string;
}

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  client = await startApp(db.url, {
    MAX_BODY_BYTES: '4096',
    CORS_ORIGINS: 'http://app.example.com',
  });
  server = createHttpServer(client.app.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await client?.app.stop();
  await drop?.();
});

describe('the Node server', () => {
  it('answers a repeated query from L1 without SQL, with ETag and 304', async () => {
    const token = await signUp('h1@example.com');
    const auth = { authorization: `Bearer ${token}` };
    const first = await post({ query: DASHBOARD }, auth);
    expect(first.headers.get('x-cache')).toBe('MISS');
    const before = await sqlTotal();
    const second = await post({ query: DASHBOARD }, auth);
    expect(second).toMatchObject({ status: 200, body: first.body });
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(second.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
    expect(await sqlTotal()).toBe(before);
    const notModified = await post(
      { query: DASHBOARD },
      { ...auth, 'if-none-match': second.headers.get('etag') as string },
    );
    expect(notModified.status).toBe(304);
  });

  it('keeps users apart and reads its own writes', async () => {
    const alice = { authorization: `Bearer ${await signUp('h2@example.com')}` };
    const bob = { authorization: `Bearer ${await signUp('h3@example.com')}` };
    await post({ query: DASHBOARD }, alice);
    await post({ query: DASHBOARD }, alice);
    await post(
      { query: CREATE_EXPENSE, variables: { input: { amount: '2.00', description: 'x' } } },
      alice,
    );
    expect((await post({ query: DASHBOARD }, alice)).body.data.viewer.expenses.totalCount).toBe(1);
    expect((await post({ query: DASHBOARD }, bob)).body.data.viewer.expenses.totalCount).toBe(0);
  });

  it('never serves a cached response to a bad token', async () => {
    const token = await signUp('h4@example.com');
    await post({ query: DASHBOARD }, { authorization: `Bearer ${token}` });
    // Another first character of the signature (its last ones may carry unused bits).
    const signature = token.split('.')[2] as string;
    const other = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    const forged = await post(
      { query: DASHBOARD },
      { authorization: `Bearer ${token.split('.').slice(0, 2).join('.')}.${other}` },
    );
    expect(forged.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('leaves browser (Origin) requests to yoga, which adds CORS headers', async () => {
    const token = await signUp('h5@example.com');
    const auth = { authorization: `Bearer ${token}`, origin: 'http://app.example.com' };
    await post({ query: DASHBOARD }, auth);
    const res = await post({ query: DASHBOARD }, auth);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://app.example.com');
  });

  /** Status of a chunked request (no Content-Length) of about 8 KB to `path`. */
  function chunkedPost(path: string, headers: Record<string, string> = {}, method = 'POST') {
    return new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${base}${path}`,
        {
          method,
          headers: {
            'content-type': 'application/json',
            'transfer-encoding': 'chunked',
            ...headers,
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write(`{"query":"{ viewer { id } }","variables":{"pad":"`);
      req.write('x'.repeat(8000));
      req.end('"}}');
    });
  }

  it('answers 413 to an over-long chunked body without Content-Length, on every path and method', async () => {
    expect(await chunkedPost('/graphql')).toBe(413);
    // A browser request (yoga's CORS path) and the chat webhook are bounded the same way.
    expect(await chunkedPost('/graphql', { origin: 'http://app.example.com' })).toBe(413);
    expect(await chunkedPost('/webhooks/chat')).toBe(413);
    expect(await chunkedPost('/graphql', {}, 'PUT')).toBe(413);
  });

  /**
   * Status of a 4 MiB POST written in full, as clients do (with or without Content-Length): the
   * answer comes while the client is still sending, and closing the connection then would reset
   * it under the client (EPIPE or ECONNRESET instead of the 413).
   */
  function hugePost(chunked: boolean) {
    const size = 4 * 1024 * 1024;
    return new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${base}/graphql`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(size) }),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      for (let sent = 0; sent < size; sent += chunk.length) req.write(chunk);
      req.end();
    });
  }

  it('lets a client that sends a huge body in full read its 413', async () => {
    expect(await hugePost(false)).toBe(413);
    expect(await hugePost(true)).toBe(413);
    // The connection was not left broken for the next request.
    expect((await post({ query: '{ __typename }' })).status).toBe(200);
  });

  /** A raw connection that records what it receives, its errors and whether it closed. */
  function rawConnection() {
    const socket = connect(Number(new URL(base).port), '127.0.0.1');
    const state = { received: '', errors: [] as string[], closed: false };
    socket.on('error', (error: NodeJS.ErrnoException) =>
      state.errors.push(error.code ?? error.message),
    );
    socket.on('data', (chunk) => {
      state.received += chunk.toString('latin1');
    });
    socket.on('close', () => {
      state.closed = true;
    });
    const flushed = (data: string | Buffer) =>
      new Promise<void>((resolve) => socket.write(data, () => resolve()));
    const post = (length: number, body = '') =>
      flushed(
        `POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n${body}`,
      );
    return { socket, state, flushed, post };
  }

  it('keeps reading an oversized body after its 413, so the connection survives for the next request', async () => {
    const { socket, state, flushed, post } = rawConnection();
    const size = 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    await post(size);
    await flushed(chunk);
    await eventually(async () => (state.received.includes(' 413 ') ? true : undefined));
    // The client goes on sending the body it announced, and then asks again on the connection.
    for (let sent = chunk.length; sent < size; sent += chunk.length) await flushed(chunk);
    const next = '{"query":"{ __typename }"}';
    await post(next.length, next);
    await eventually(async () =>
      state.received.includes('"__typename":"Query"') || state.closed ? true : undefined,
    );
    socket.destroy();
    expect(state.errors).toEqual([]);
    expect(state.received).toMatch(/ 200 OK/);
  });

  it('cuts the connection of a client that sends far past the limit after its 413', async () => {
    const { socket, state, flushed, post } = rawConnection();
    const chunk = Buffer.alloc(256 * 1024, 'x');
    await post(64 * 1024 * 1024);
    for (let sent = 0; sent < 64 * 1024 * 1024 && !state.closed && !state.errors.length; ) {
      await flushed(chunk);
      sent += chunk.length;
    }
    await eventually(async () => (state.closed ? true : undefined));
    socket.destroy();
    expect(state.received).toMatch(/ 413 /);
  });

  it('lets a client still sending a URL far past the header limit read its 431', async () => {
    const { socket, state } = rawConnection();
    // All at once, as clients send a request line: more than the socket buffers hold, so the
    // client is still sending when the answer comes. Closing the connection then resets it
    // under the client (EPIPE or ECONNRESET), which may discard the answer.
    socket.write(`GET /graphql?query=${'x'.repeat(8 * 1024 * 1024)} HTTP/1.1\r\nHost: t\r\n\r\n`);
    await eventually(async () => (state.closed ? true : undefined));
    expect(state.errors).toEqual([]);
    expect(state.received).toMatch(/^HTTP\/1.1 431 /);
  });

  it('serves GraphiQL to a browser GET', async () => {
    const response = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/graphiql/i);
  });
});
