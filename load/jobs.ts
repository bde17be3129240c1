/**
 * The suggest_category scenario: a fresh user creates uncategorized expenses in bulk (each
 * enqueues a suggestion job in the same transaction); we wait until every one is categorized and
 * read enqueue-to-completion latency from each expense's createdAt/updatedAt (suggest_category
 * stamps updatedAt when it sets the category).
 */
import { request } from './graphql-client.js';

const DESCRIPTIONS = [
  'lunch',
  'uber ride',
  'weekly groceries',
  'rent',
  'netflix',
  'pharmacy',
  'misc',
];

interface Row {
  createdAt: string;
  updatedAt: string;
  categorySource: string;
}

async function allExpenses(base: string, token: string): Promise<Row[]> {
  const rows: Row[] = [];
  let after: string | null = null;
  for (;;) {
    const data = await request(
      base,
      `query($after: String) { viewer { expenses(first: 100, after: $after, orderBy: CREATED_DESC) {
        nodes { createdAt updatedAt categorySource } pageInfo { hasNextPage endCursor } } } }`,
      { after },
      token,
    );
    const page = (
      data.viewer as {
        expenses: { nodes: Row[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
      }
    ).expenses;
    rows.push(...page.nodes);
    if (!page.pageInfo.hasNextPage) return rows;
    after = page.pageInfo.endCursor;
  }
}

export interface JobFigures {
  jobs: number;
  jobsPerSecond: number;
  p50: number;
  p99: number;
  max: number;
}

export async function suggestCategoryScenario(base: string, count: number): Promise<JobFigures> {
  const email = `load-jobs-${Date.now()}@example.com`;
  const signUp = await request(
    base,
    `mutation($e: String!) { signUp(input: { email: $e, name: "Load", password: "password123" }) { token } }`,
    { e: email },
  );
  const token = (signUp.signUp as unknown as { token: string }).token;
  for (let start = 0; start < count; start += 1000) {
    const expenses = Array.from({ length: Math.min(1000, count - start) }, (_, i) => ({
      amount: '9.99',
      description: DESCRIPTIONS[(start + i) % DESCRIPTIONS.length],
    }));
    await request(
      base,
      `mutation($input: CreateExpensesInput!) { createExpenses(input: $input) { count } }`,
      { input: { expenses } },
      token,
    );
  }
  const deadline = Date.now() + 120_000;
  let rows: Row[] = [];
  for (;;) {
    rows = await allExpenses(base, token);
    if (rows.length === count && rows.every((row) => row.categorySource !== 'PENDING')) break;
    if (Date.now() > deadline)
      throw new Error('suggest_category jobs did not finish within 2 minutes');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const latencies = rows
    .map((row) => Date.parse(row.updatedAt) - Date.parse(row.createdAt))
    .sort((a, b) => a - b);
  const first = Math.min(...rows.map((row) => Date.parse(row.createdAt)));
  const last = Math.max(...rows.map((row) => Date.parse(row.updatedAt)));
  const at = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ??
    Number.NaN;
  return {
    jobs: count,
    jobsPerSecond: Math.round(count / Math.max(0.001, (last - first) / 1000)),
    p50: at(50),
    p99: at(99),
    max: latencies.at(-1) ?? Number.NaN,
  };
}
