/**
 * GraphiQL needs no network: the page names only this server's URLs, and every file it loads is
 * served from the installed @graphql-yoga/graphiql. With a Chromium on the machine (`chromium`
 * on PATH, or CHROMIUM_PATH), the page is also rendered headless with every other host
 * unreachable, and a screenshot is written to GRAPHIQL_SCREENSHOT (default
 * /tmp/ledgerline-graphiql.png) for a person to look at.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphiqlAssetDir } from '../../src/http/graphiql.js';
import { type Client, startApp } from '../helpers/cache-app.js';
import { createTestDatabase } from '../helpers/database.js';

let drop: () => Promise<void>;
let client: Client;
let base: string;
beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  client = await startApp(db.url, { GRAPHIQL: 'true' });
  base = new URL((await client.http.fetch('/health')).url).origin;
});
afterAll(async () => {
  await client?.app.stop();
  await drop?.();
});

const page = async () => {
  const response = await client.http.fetch('/graphql', { headers: { accept: 'text/html' } });
  expect(response.status).toBe(200);
  return response.text();
};

describe('GraphiQL', () => {
  it('names no other host: every script, style, worker and icon is on this server', async () => {
    const html = await page();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain('/graphiql/yoga-graphiql.umd.js');
  });

  it('serves each file the page loads, as the installed package has it', async () => {
    const html = await page();
    const files = [...html.matchAll(/\/graphiql\/([\w./-]+\.(?:js|css))/g)].map((m) => m[1]);
    expect(files.length).toBeGreaterThanOrEqual(5);
    const dir = graphiqlAssetDir() as string;
    for (const file of files) {
      const response = await client.http.fetch(`/graphiql/${file}`);
      expect(response.status, file).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/text\/(css|javascript)/);
      const body = Buffer.from(await response.arrayBuffer());
      expect(body.equals(readFileSync(path.join(dir, file as string))), file).toBe(true);
    }
  });

  it('opens on a first tab that shows how to sign up and set the Authorization header', async () => {
    const html = await page();
    const options = /renderYogaGraphiQL\(root, (\{.*\})\)\)/s.exec(html)?.[1] as string;
    const parsed = JSON.parse(options);
    // What the page opens on (yoga's page falls back to its own welcome text without it).
    expect(parsed.query).toMatch(/mutation SignUp/);
    expect(parsed.query).toMatch(/"Authorization": "Bearer <token>"/);
  });

  const chromium = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']
    .filter((candidate): candidate is string => Boolean(candidate))
    .find((candidate) => existsSync(candidate));
  it.runIf(chromium)(
    'renders in headless Chromium with every other host unreachable',
    async () => {
      const screenshot = process.env.GRAPHIQL_SCREENSHOT ?? '/tmp/ledgerline-graphiql.png';
      const args = [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        // Every name but this server's fails to resolve: the network is off for the page.
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
        '--virtual-time-budget=20000',
        '--window-size=1280,800',
      ];
      const run = promisify(execFile);
      const { stdout: dom } = await run(
        chromium as string,
        [...args, '--dump-dom', `${base}/graphql`],
        { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      );
      // The app replaced the "Loading" placeholder with GraphiQL's editor and its first tab.
      expect(dom).toContain('graphiql-container');
      expect(dom).not.toContain('Loading Ledgerline');
      // The editor holds the sign-up hint, not GraphiQL's welcome text.
      expect(dom).toMatch(/Sign up \(or log in\) first/);
      expect(dom).not.toMatch(/Welcome to Ledgerline/);
      await run(chromium as string, [...args, `--screenshot=${screenshot}`, `${base}/graphql`], {
        timeout: 120_000,
      });
      expect(existsSync(screenshot)).toBe(true);
    },
    180_000,
  );
});
