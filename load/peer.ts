/**
 * PostGraphile 5 as a benchmark peer: installed on demand into load/peers/postgraphile (never by
 * the project's own `npm install`), started as a child process on the same database, and the
 * shared scenarios: for each, Ledgerline's operation and the PostGraphile document that returns
 * the same rows, with the normalizers that turn both answers into the same plain rows, so a
 * harness checks that both sides return the same data before it measures either.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/free-port.js';
import { ADMIN_NESTED, DASHBOARD, EXPENSE_BY_ID, PAGE, SUMMARY } from './queries.js';

/** The peer's own package (package.json, package-lock.json, server.mjs, node_modules). */
export const PEER_DIR = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'peers',
  'postgraphile',
);

export const PEER_NAME = 'PostGraphile 5';

/** Whether every dependency the peer's package.json pins is in its node_modules at that version. */
function peerInstalled(): boolean {
  const manifest = JSON.parse(readFileSync(path.join(PEER_DIR, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  return Object.entries(manifest.dependencies).every(([name, version]) => {
    const file = path.join(PEER_DIR, 'node_modules', name, 'package.json');
    if (!existsSync(file)) return false;
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version === version;
  });
}

/**
 * Installs the peer from its lockfile (`npm ci`) when its node_modules is missing or stale.
 * Returns false, with a one-line reason on stderr, when npm cannot install it (offline, no npm).
 */
export async function ensurePeerInstalled(): Promise<boolean> {
  if (peerInstalled()) return true;
  console.log(
    `Installing the ${PEER_NAME} peer (npm ci in ${path.relative(process.cwd(), PEER_DIR)})…`,
  );
  const result = await new Promise<{ code: number | null; output: string; error?: Error }>(
    (resolve) => {
      let output = '';
      const child = spawn(
        'npm',
        ['ci', '--prefix', PEER_DIR, '--no-audit', '--no-fund', '--loglevel=error'],
        { cwd: PEER_DIR, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk;
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk;
      });
      child.once('error', (error) => resolve({ code: null, output, error }));
      child.once('close', (code) => resolve({ code, output }));
    },
  );
  if (result.code === 0 && peerInstalled()) return true;
  const lastLine =
    result.error?.message ??
    result.output
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .at(-1) ??
    `npm ci exited with ${result.code}`;
  console.error(`${PEER_NAME} peer not available: npm ci failed (${lastLine})`);
  return false;
}

export interface Peer {
  /** e.g. http://127.0.0.1:41234 (GraphQL at `${base}/graphql`). */
  readonly base: string;
  /** The server's process ids (one process; process-stats adds any descendants). */
  pids(): number[];
  stop(): Promise<void>;
}

const peers = new Set<ChildProcess>();

/**
 * The peer on `databaseUrl` (schema `public`, no auth, NODE_ENV=production) as a child process
 * on a free port, once its schema is built and `/ready` answers. `poolMax` is its Postgres pool
 * size (default 10, Ledgerline's default DB_POOL_MAX).
 */
export async function startPeer(
  databaseUrl: string,
  options: { poolMax?: number } = {},
): Promise<Peer> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [path.join(PEER_DIR, 'server.mjs')], {
    cwd: PEER_DIR,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      NODE_ENV: 'production',
      DB_POOL_MAX: String(options.poolMax ?? 10),
    },
  });
  peers.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    peers.delete(child);
  };
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`the ${PEER_NAME} peer exited during start-up`);
      if (i >= 600) throw new Error(`the ${PEER_NAME} peer at ${base} did not become ready`);
      try {
        if ((await fetch(`${base}/ready`)).ok) break;
      } catch {}
      await sleep(100);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { base, pids: () => (child.pid === undefined ? [] : [child.pid]), stop };
}

/** Kills every peer still running (on errors and at exit). */
export function killPeers(): void {
  for (const child of peers) child.kill('SIGKILL');
}

// ---------------------------------------------------------------------------------------------
// Shared scenarios

/** A GraphQL operation: its document and variables. */
export interface Operation {
  readonly query: string;
  readonly variables: Record<string, unknown>;
}

/** A plain row both sides normalize to: ids as db id strings, money as "12.50", dates as text. */
export type Row = Readonly<Record<string, string | number | boolean | null>>;

export interface SharedScenario {
  readonly name: string;
  /** Ledgerline's operation; send it with `authorization: Bearer ${token}`. */
  readonly ledgerline: Operation & { readonly token: string };
  /** The peer's operation (no auth). */
  readonly peer: Operation;
  /** Ledgerline's response body (parsed JSON) as plain rows. */
  rows(ledgerlineJson: unknown): Row[];
  /** The peer's response body (parsed JSON) as the same plain rows. */
  peerRows(peerJson: unknown): Row[];
}

/** What the shared scenarios are built from (see peerFixtures). */
export interface PeerFixtures {
  /** The user whose expense, dashboard and summary are compared: token and db id. */
  readonly user: { readonly token: string; readonly id: number };
  /** One of that user's expenses: its db id and Ledgerline global ID. */
  readonly expense: { readonly id: number; readonly globalId: string };
  /** An admin's token (the fan-out reads every user). */
  readonly adminToken: string;
  /** The summary's date range, inclusive (YYYY-MM-DD). */
  readonly from: string;
  readonly to: string;
  /** The deep page: its user, Ledgerline's cursor and the peer's cursor for the same position. */
  readonly deep: {
    readonly token: string;
    readonly id: number;
    readonly position: number;
    readonly ledgerlineCursor: string;
    readonly peerCursor: string;
  };
}

// The peer's documents. PostGraphile names: `rowId` is the primary key (`id` is its node ID),
// relations are `<table>By<Column>`; ordering ties are broken by the key as Ledgerline's are.

/** a. One expense by primary key, with its category's name. */
export const PEER_EXPENSE_BY_ID = `query Expense($id: BigInt!) {
  expenseByRowId(rowId: $id) {
    rowId amount description expenseDate categoryByCategoryId { name }
  }
}`;

/** b. A user's 20 newest expenses (date desc, id desc), their count and their categories. */
export const PEER_DASHBOARD = `query Dashboard($userId: BigInt!) {
  allExpenses(condition: { userId: $userId }, orderBy: [EXPENSE_DATE_DESC, ROW_ID_DESC], first: 20) {
    totalCount
    nodes {
      rowId amount currency description merchant expenseDate
      categoryByCategoryId { rowId name color }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

/**
 * c. 50 users (by id) × their first 10 categories (by id) × each category's 5 newest expenses
 * (date desc, id desc): Ledgerline's orderings (users and categories by id, expenses DATE_DESC).
 */
export const PEER_ADMIN_NESTED = `query FanOut {
  allUsers(first: 50, orderBy: [ROW_ID_ASC]) { nodes { rowId name
    categoriesByUserId(first: 10, orderBy: [ROW_ID_ASC]) { nodes { name
      expensesByCategoryId(first: 5, orderBy: [EXPENSE_DATE_DESC, ROW_ID_DESC]) {
        nodes { amount expenseDate }
      }
    } }
  } }
}`;

/** d. A page of 20 of a user's expenses (date desc, id desc) after a cursor. */
export const PEER_PAGE = `query Page($userId: BigInt!, $after: Cursor) {
  allExpenses(
    condition: { userId: $userId }
    orderBy: [EXPENSE_DATE_DESC, ROW_ID_DESC]
    first: 20
    after: $after
  ) {
    nodes { rowId amount description expenseDate categoryByCategoryId { name } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** The peer's cursor after the row at `offset` + 1 of a user's list in the page's order. */
export const PEER_CURSOR_AT = `query CursorAt($userId: BigInt!, $offset: Int!) {
  allExpenses(
    condition: { userId: $userId }
    orderBy: [EXPENSE_DATE_DESC, ROW_ID_DESC]
    first: 1
    offset: $offset
  ) { edges { cursor } }
}`;

/**
 * e. A user's spending in [from, to]: the total and count, and per category (pg-aggregates'
 * groupedAggregates by category id: sum of amounts, count of rows) with the category names from
 * a second field.
 */
export const PEER_SUMMARY = `query Summary($userId: BigInt!, $from: Date!, $to: Date!) {
  allExpenses(
    condition: { userId: $userId }
    filter: { expenseDate: { greaterThanOrEqualTo: $from, lessThanOrEqualTo: $to } }
  ) {
    totalCount
    aggregates { sum { amount } }
    groupedAggregates(groupBy: [CATEGORY_ID]) { keys sum { amount } distinctCount { rowId } }
  }
  allCategories(condition: { userId: $userId }) { nodes { rowId name } }
}`;

/** The Ledgerline query that finds a user's db id and newest expense (fixtures only). */
const VIEWER_IDS = `query { viewer { id expenses(first: 1) { nodes { id } } } }`;

// Normalizing

/** Money as an exact string with two decimals ("12.5" → "12.50"); never through a float. */
export function money(value: unknown): string {
  if (value === null || value === undefined) return '0.00';
  const text = String(value).trim();
  const match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(text);
  if (!match) return text;
  const [, sign, whole, fraction = ''] = match;
  const digits = fraction.replace(/0+$/, '');
  // More than two significant decimals is not money: left as is, so it shows as a difference.
  if (digits.length > 2) return `${sign}${BigInt(whole as string)}.${fraction}`;
  return `${sign}${BigInt(whole as string)}.${digits.padEnd(2, '0')}`;
}

/** Cents of a normalized money string, for ordering. */
function cents(value: string): bigint {
  const [whole = '0', fraction = '00'] = value.replace('-', '').split('.');
  const n = BigInt(whole) * 100n + BigInt(fraction.slice(0, 2).padEnd(2, '0'));
  return value.startsWith('-') ? -n : n;
}

/** The db id in a Ledgerline global ID (base64 of `Type:id`). */
export function dbIdOf(globalId: unknown, type: string): string {
  const decoded = Buffer.from(String(globalId), 'base64').toString('utf8');
  const [typename, id] = decoded.split(':');
  if (typename !== type || !id) throw new Error(`not a ${type} ID: ${String(globalId)}`);
  return id;
}

type Json = Record<string, unknown>;

/** `data` of a response body, or an error naming the side and its first GraphQL error. */
function dataOf(side: string, body: unknown): Json {
  const json = body as { data?: Json | null; errors?: { message?: string }[] } | null;
  if (json?.errors?.length) {
    throw new Error(`${side} answered with errors: ${json.errors[0]?.message ?? '?'}`);
  }
  if (!json?.data) throw new Error(`${side} answered no data`);
  return json.data;
}

/** Follows a path of object keys; throws naming the path when one is missing. */
function at(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (current === null || typeof current !== 'object' || !(key in current)) {
      throw new Error(`the response has no ${keys.join('.')}`);
    }
    current = (current as Json)[key];
  }
  return current;
}

const list = (value: unknown) => (Array.isArray(value) ? (value as Json[]) : []);
const name = (category: unknown) => (category ? String((category as Json).name) : null);

/** The shared scenarios, built from fixture ids (see peerFixtures). */
export function sharedScenarios(f: PeerFixtures): SharedScenario[] {
  const expenseRow = (row: {
    id: unknown;
    amount: unknown;
    description: unknown;
    date: unknown;
    category: unknown;
  }): Row => ({
    id: String(row.id),
    amount: money(row.amount),
    description: String(row.description),
    date: String(row.date),
    category: name(row.category),
  });

  const pageRows = (nodes: Row[], pageInfo: unknown): Row[] => [
    { hasNextPage: Boolean(at(pageInfo, 'hasNextPage')) },
    ...nodes,
  ];

  return [
    {
      name: 'expense by id',
      ledgerline: {
        query: EXPENSE_BY_ID,
        variables: { id: f.expense.globalId },
        token: f.user.token,
      },
      peer: { query: PEER_EXPENSE_BY_ID, variables: { id: String(f.expense.id) } },
      rows: (json) => {
        const node = at(dataOf('Ledgerline', json), 'node') as Json | null;
        if (!node) return [];
        return [
          expenseRow({
            id: dbIdOf(node.id, 'Expense'),
            amount: node.amount,
            description: node.description,
            date: node.date,
            category: node.category,
          }),
        ];
      },
      peerRows: (json) => {
        const node = at(dataOf(PEER_NAME, json), 'expenseByRowId') as Json | null;
        if (!node) return [];
        return [
          expenseRow({
            id: node.rowId,
            amount: node.amount,
            description: node.description,
            date: node.expenseDate,
            category: node.categoryByCategoryId,
          }),
        ];
      },
    },
    {
      name: 'dashboard',
      ledgerline: { query: DASHBOARD, variables: {}, token: f.user.token },
      peer: { query: PEER_DASHBOARD, variables: { userId: String(f.user.id) } },
      rows: (json) => {
        const expenses = at(dataOf('Ledgerline', json), 'viewer', 'expenses') as Json;
        return [
          {
            totalCount: Number(expenses.totalCount),
            hasNextPage: Boolean(at(expenses, 'pageInfo', 'hasNextPage')),
          },
          ...list(expenses.nodes).map((node) => {
            const category = node.category as Json | null;
            return {
              id: dbIdOf(node.id, 'Expense'),
              amount: money(node.amount),
              currency: String(node.currency),
              description: String(node.description),
              merchant: (node.merchant as string | null) ?? null,
              date: String(node.date),
              categoryId: category ? dbIdOf(category.id, 'Category') : null,
              category: name(category),
              color: category ? ((category.color as string | null) ?? null) : null,
            };
          }),
        ];
      },
      peerRows: (json) => {
        const expenses = at(dataOf(PEER_NAME, json), 'allExpenses') as Json;
        return [
          {
            totalCount: Number(expenses.totalCount),
            hasNextPage: Boolean(at(expenses, 'pageInfo', 'hasNextPage')),
          },
          ...list(expenses.nodes).map((node) => {
            const category = node.categoryByCategoryId as Json | null;
            return {
              id: String(node.rowId),
              amount: money(node.amount),
              currency: String(node.currency),
              description: String(node.description),
              merchant: (node.merchant as string | null) ?? null,
              date: String(node.expenseDate),
              categoryId: category ? String(category.rowId) : null,
              category: name(category),
              color: category ? ((category.color as string | null) ?? null) : null,
            };
          }),
        ];
      },
    },
    {
      name: 'admin nested fan-out 50×10×5',
      ledgerline: { query: ADMIN_NESTED, variables: {}, token: f.adminToken },
      peer: { query: PEER_ADMIN_NESTED, variables: {} },
      // One row per user, per category (under its user) and per expense (under both), in order:
      // a category without expenses still shows.
      rows: (json) =>
        list(at(dataOf('Ledgerline', json), 'users', 'nodes')).flatMap((user) => {
          const userId = dbIdOf(user.id, 'User');
          return [
            { userId, name: String(user.name) },
            ...list(at(user, 'categories', 'nodes')).flatMap((category) => [
              { userId, category: String(category.name) },
              ...list(at(category, 'expenses', 'nodes')).map((expense) => ({
                userId,
                category: String(category.name),
                amount: money(expense.amount),
                date: String(expense.date),
              })),
            ]),
          ];
        }),
      peerRows: (json) =>
        list(at(dataOf(PEER_NAME, json), 'allUsers', 'nodes')).flatMap((user) => {
          const userId = String(user.rowId);
          return [
            { userId, name: String(user.name) },
            ...list(at(user, 'categoriesByUserId', 'nodes')).flatMap((category) => [
              { userId, category: String(category.name) },
              ...list(at(category, 'expensesByCategoryId', 'nodes')).map((expense) => ({
                userId,
                category: String(category.name),
                amount: money(expense.amount),
                date: String(expense.expenseDate),
              })),
            ]),
          ];
        }),
    },
    {
      name: `page ${f.deep.position.toLocaleString('en-US')} rows deep`,
      ledgerline: {
        query: PAGE,
        variables: { after: f.deep.ledgerlineCursor },
        token: f.deep.token,
      },
      peer: {
        query: PEER_PAGE,
        variables: { userId: String(f.deep.id), after: f.deep.peerCursor },
      },
      rows: (json) => {
        const expenses = at(dataOf('Ledgerline', json), 'viewer', 'expenses') as Json;
        return pageRows(
          list(expenses.nodes).map((node) =>
            expenseRow({
              id: dbIdOf(node.id, 'Expense'),
              amount: node.amount,
              description: node.description,
              date: node.date,
              category: node.category,
            }),
          ),
          expenses.pageInfo,
        );
      },
      peerRows: (json) => {
        const expenses = at(dataOf(PEER_NAME, json), 'allExpenses') as Json;
        return pageRows(
          list(expenses.nodes).map((node) =>
            expenseRow({
              id: node.rowId,
              amount: node.amount,
              description: node.description,
              date: node.expenseDate,
              category: node.categoryByCategoryId,
            }),
          ),
          expenses.pageInfo,
        );
      },
    },
    {
      name: `summary ${f.from}..${f.to}`,
      ledgerline: { query: SUMMARY, variables: { from: f.from, to: f.to }, token: f.user.token },
      peer: {
        query: PEER_SUMMARY,
        variables: { userId: String(f.user.id), from: f.from, to: f.to },
      },
      // Ledgerline orders byCategory largest total first, uncategorized after the categories of
      // the same total, then by category id; the peer's groups are put in that order here.
      rows: (json) => {
        const summary = at(dataOf('Ledgerline', json), 'viewer', 'summary') as Json;
        return [
          { total: money(summary.total), count: Number(summary.count) },
          ...list(summary.byCategory).map((row) => ({
            category: name(row.category),
            total: money(row.total),
            count: Number(row.count),
          })),
        ];
      },
      peerRows: (json) => {
        const data = dataOf(PEER_NAME, json);
        const expenses = at(data, 'allExpenses') as Json;
        const names = new Map(
          list(at(data, 'allCategories', 'nodes')).map((c) => [String(c.rowId), String(c.name)]),
        );
        const groups = list(expenses.groupedAggregates).map((group) => {
          const key = (group.keys as (string | null)[] | null)?.[0] ?? null;
          return {
            id: key === null ? null : BigInt(key),
            category: key === null ? null : (names.get(key) ?? `category ${key} (not the user's)`),
            total: money(at(group, 'sum', 'amount')),
            count: Number(at(group, 'distinctCount', 'rowId')),
          };
        });
        groups.sort((a, b) => {
          const byTotal = cents(b.total) - cents(a.total);
          if (byTotal !== 0n) return byTotal > 0n ? 1 : -1;
          if (a.id === null || b.id === null) return a.id === null ? (b.id === null ? 0 : 1) : -1;
          return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
        });
        return [
          {
            total: money(at(expenses, 'aggregates', 'sum', 'amount')),
            count: Number(expenses.totalCount),
          },
          ...groups.map(({ category, total, count }) => ({ category, total, count })),
        ];
      },
    },
  ];
}

const show = (value: unknown) => (value === undefined ? 'nothing' : JSON.stringify(value));

/**
 * Throws when the two sides' rows differ, naming the scenario and the first difference (or
 * when either side returned no rows at all: an empty answer proves nothing).
 */
export function checkSameRows(
  scenario: SharedScenario,
  ledgerlineJson: unknown,
  peerJson: unknown,
): void {
  function fail(why: string): never {
    throw new Error(`${scenario.name}: Ledgerline and ${PEER_NAME} differ: ${why}`);
  }
  let ours: Row[];
  let theirs: Row[];
  try {
    ours = scenario.rows(ledgerlineJson);
    theirs = scenario.peerRows(peerJson);
  } catch (error) {
    fail((error as Error).message);
  }
  if (ours.length === 0 || theirs.length === 0) {
    fail(`no rows (Ledgerline ${ours.length}, ${PEER_NAME} ${theirs.length})`);
  }
  for (let i = 0; i < Math.max(ours.length, theirs.length); i++) {
    const a = ours[i];
    const b = theirs[i];
    if (!a || !b) {
      fail(
        `Ledgerline has ${ours.length} rows, ${PEER_NAME} ${theirs.length}; row ${i} is ${JSON.stringify(a ?? b)} on one side only`,
      );
    }
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (a[key] !== b[key]) {
        fail(
          `row ${i}, ${key}: Ledgerline ${show(a[key])}, ${PEER_NAME} ${show(b[key])} (Ledgerline row ${JSON.stringify(a)}, ${PEER_NAME} row ${JSON.stringify(b)})`,
        );
      }
    }
  }
}

/** POSTs an operation and returns the parsed body (any HTTP status). */
export async function send(base: string, operation: Operation, token?: string): Promise<unknown> {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body(operation),
  });
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${base} answered HTTP ${response.status}: ${text.slice(0, 200)}`);
  }
}

/** Sends the scenario to both servers and checks that they return the same rows. */
export async function verifyScenario(
  scenario: SharedScenario,
  ledgerlineBase: string,
  peerBase: string,
): Promise<void> {
  const [ours, theirs] = await Promise.all([
    send(ledgerlineBase, scenario.ledgerline, scenario.ledgerline.token),
    send(peerBase, scenario.peer),
  ]);
  checkSameRows(scenario, ours, theirs);
}

/** The request body of an operation (for a load generator): its query and variables only. */
export function body(operation: Operation): string {
  return JSON.stringify({ query: operation.query, variables: operation.variables });
}

/**
 * The fixtures from Ledgerline and the peer: the users' db ids and the user's newest expense
 * (Ledgerline's viewer), and the peer's cursor for the position of Ledgerline's deep cursor
 * (`deep.position` rows into the deep user's list, date desc, id desc).
 */
export async function peerFixtures(options: {
  readonly ledgerline: string;
  /** The peer's base URL; without one, the peer's cursor is left empty (Ledgerline alone). */
  readonly peer: string | undefined;
  readonly userToken: string;
  readonly adminToken: string;
  readonly from: string;
  readonly to: string;
  readonly deep: {
    readonly token: string;
    readonly ledgerlineCursor: string;
    /** How many rows Ledgerline's cursor is past (e.g. 5,000: 50 pages of 100). */
    readonly position: number;
  };
}): Promise<PeerFixtures> {
  const viewer = async (token: string) => {
    const data = dataOf(
      'Ledgerline',
      await send(options.ledgerline, { query: VIEWER_IDS, variables: {} }, token),
    );
    const user = at(data, 'viewer') as Json;
    const newest = list(at(user, 'expenses', 'nodes'))[0];
    return { id: Number(dbIdOf(user.id, 'User')), newest: newest?.id as string | undefined };
  };
  const user = await viewer(options.userToken);
  if (!user.newest) throw new Error('the fixture user has no expenses');
  const deepUser = await viewer(options.deep.token);
  let peerCursor: unknown = '';
  if (options.peer !== undefined) {
    const cursorData = dataOf(
      PEER_NAME,
      await send(options.peer, {
        query: PEER_CURSOR_AT,
        variables: { userId: String(deepUser.id), offset: options.deep.position - 1 },
      }),
    );
    peerCursor = list(at(cursorData, 'allExpenses', 'edges'))[0]?.cursor;
    if (typeof peerCursor !== 'string') {
      throw new Error(`the deep user has fewer than ${options.deep.position} expenses`);
    }
  }
  return {
    user: { token: options.userToken, id: user.id },
    expense: { id: Number(dbIdOf(user.newest, 'Expense')), globalId: user.newest },
    adminToken: options.adminToken,
    from: options.from,
    to: options.to,
    deep: {
      token: options.deep.token,
      id: deepUser.id,
      position: options.deep.position,
      ledgerlineCursor: options.deep.ledgerlineCursor,
      peerCursor: peerCursor as string,
    },
  };
}
