import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseEncoding } from '../../src/http/compression.js';
import { useTestApp } from '../helpers/app.js';
import { CREATE_EXPENSES } from '../helpers/operations.js';

const t = useTestApp();
let server: Server;
let port: number;
let token: string;
const BIG = `{ viewer { expenses(first: 50) { nodes { id amount description date createdAt } } } }`;
const SMALL = `{ viewer { id } }`;

beforeAll(async () => {
  ({ token } = await t.signUp());
  const expenses = Array.from({ length: 50 }, (_, i) => ({
    amount: '1.00',
    description: `expense number ${i}`,
  }));
  await t.gql(CREATE_EXPENSES, { input: { expenses } }, token);
  server = createServer(t.app.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

/** A raw HTTP POST: the bytes as sent, undecoded. */
function rawPost(
  query: string,
  acceptEncoding: string,
): Promise<{ headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/graphql',
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          'accept-encoding': acceptEncoding,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ query }));
  });
}

describe('compression', () => {
  it('picks br, then gzip, honouring q=0', () => {
    expect(chooseEncoding('gzip, deflate, br')).toBe('br');
    expect(chooseEncoding('gzip')).toBe('gzip');
    expect(chooseEncoding('br;q=0, gzip')).toBe('gzip');
    expect(chooseEncoding('identity')).toBeNull();
    expect(chooseEncoding(undefined)).toBeNull();
  });

  it('compresses responses over 1 KB, on a miss and on a cached hit', async () => {
    const miss = await rawPost(BIG, 'gzip');
    expect(miss.headers['content-encoding']).toBe('gzip');
    const missJson = JSON.parse(zlib.gunzipSync(miss.body).toString());
    expect(missJson.data.viewer.expenses.nodes).toHaveLength(50);
    const hit = await rawPost(BIG, 'br');
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['content-encoding']).toBe('br');
    expect(JSON.parse(zlib.brotliDecompressSync(hit.body).toString())).toEqual(missJson);
    expect(hit.body.length).toBeLessThan(Buffer.byteLength(JSON.stringify(missJson)) / 2);
    expect(String(hit.headers.vary)).toMatch(/Accept-Encoding/);
  });

  it('leaves small responses and clients that do not ask alone', async () => {
    const small = await rawPost(SMALL, 'gzip');
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(small.body.toString()).data.viewer.id).toBeTruthy();
    const plain = await rawPost(BIG, 'identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(plain.body.toString()).data.viewer.expenses.nodes).toHaveLength(50);
  });
});
