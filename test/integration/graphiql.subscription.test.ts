/**
 * GraphiQL runs a live subscription: headless Chromium (driven by puppeteer-core) opens the
 * explorer, types an `expenseChanged` subscription, presses Run, and the response pane shows an
 * expense written afterwards through the API. Skipped without a Chromium (`chromium` on PATH, or
 * CHROMIUM_PATH). A screenshot of the pane goes to GRAPHIQL_SUBSCRIPTION_SCREENSHOT (default
 * /tmp/ledgerline-graphiql-subscription.png) for a person to look at.
 */
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, startApp } from '../helpers/cache-app.js';
import { createTestDatabase } from '../helpers/database.js';
import { CREATE_EXPENSE } from '../helpers/operations.js';

const chromium = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']
  .filter((candidate): candidate is string => Boolean(candidate))
  .find((candidate) => existsSync(candidate));

/** The response pane's text (the editor draws spaces as no-break spaces). */
const PANE = `(document.querySelector('.graphiql-response')?.textContent ?? '').replace(/\\u00a0/g, ' ')`;

const SUBSCRIPTION = 'subscription { expenseChanged { kind expense { description amount } } }';

let drop: () => Promise<void>;
let client: Client;
let browser: Browser | undefined;
beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  client = await startApp(db.url, { GRAPHIQL: 'true' });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await client?.app.stop();
  await drop?.();
});

/**
 * Waits until `expression` is true in the page, checking every 100 ms for up to a minute. (An
 * expression, not a function: the test's compiled functions carry helpers the page lacks.)
 */
async function until(page: Page, expression: string): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 60_000; ) {
    if (await page.evaluate(expression)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not true in the page after a minute: ${expression}`);
}

describe('GraphiQL', () => {
  it.runIf(chromium)(
    'runs a live subscription: an expense written after Run appears in the response pane',
    async () => {
      const { body } = await client.gql(
        'mutation($i: SignUpInput!) { signUp(input: $i) { token } }',
        { i: { email: 'graphiql-live@example.com', name: 'Live', password: 'password123' } },
      );
      const token: string = body.data.signUp.token;
      browser = await puppeteer.launch({
        executablePath: chromium as string,
        args: ['--no-sandbox', '--disable-gpu'],
      });
      const page = await browser.newPage();
      await page.setViewport({ width: 1280, height: 800 });
      // The token as the Headers tab would send it, on every request the page makes.
      await page.setExtraHTTPHeaders({ authorization: `Bearer ${token}` });
      // Typing before the schema has loaded loses keys to the editor's start-up.
      const schema = page.waitForResponse(
        (response) => response.request().postData()?.includes('IntrospectionQuery') === true,
        { timeout: 60_000 },
      );
      await page.goto(`${client.http.origin}/graphql`);
      await schema;
      await page.waitForSelector('.graphiql-execute-button', { timeout: 60_000 });
      // The first tab's text replaced by the subscription, typed as a person would.
      await page.click('.graphiql-query-editor');
      await page.keyboard.down('Control');
      await page.keyboard.press('KeyA');
      await page.keyboard.up('Control');
      await page.keyboard.press('Backspace');
      await page.keyboard.type(SUBSCRIPTION);
      // The server answers the event stream once it listens: a write after that is heard.
      const opened = page.waitForResponse(
        (response) =>
          response.url().includes('/graphql?query=subscription') &&
          response.headers()['content-type']?.startsWith('text/event-stream') === true,
        { timeout: 60_000 },
      );
      // GraphiQL saves an edit to its tab a moment later, and Run runs what the tab holds.
      await until(
        page,
        `localStorage.getItem('graphiql:tabState')?.includes('"query":"subscription {')`,
      );
      await page.click('.graphiql-execute-button');
      expect((await opened).status()).toBe(200);

      await client.gql(
        CREATE_EXPENSE,
        { input: { amount: '7.25', description: 'seen in graphiql', categoryId: null } },
        token,
      );
      await until(page, `${PANE}.includes('seen in graphiql')`);
      const shown = await page.evaluate(PANE);
      expect(shown).toMatch(/"kind":\s*"CREATED"/);
      expect(shown).toMatch(/"amount":\s*"7.25"/);
      await page.screenshot({
        path:
          process.env.GRAPHIQL_SUBSCRIPTION_SCREENSHOT ??
          '/tmp/ledgerline-graphiql-subscription.png',
      });
    },
    180_000,
  );
});
