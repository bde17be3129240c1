import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';
import { CREATE_EXPENSES } from '../helpers/operations.js';
import { eventually } from '../helpers/wait.js';

const t = useTestApp({ WORKER_ENABLED: 'true', WORKER_POLL_INTERVAL_MS: '100' });

const REQUEST = `mutation($input: RequestExportInput!) { requestExport(input: $input) { export { id format state rowCount downloadUrl } } }`;
const EXPORT = `query($id: ID!) { node(id: $id) { ... on Export { state rowCount downloadUrl job { state progress total } } } }`;

async function finished(token: string, id: string) {
  return eventually(async () => {
    const node = (await t.gql(EXPORT, { id }, token)).data?.node;
    return node?.state === 'SUCCEEDED' || node?.state === 'FAILED' ? node : undefined;
  });
}

describe('requestExport and export_expenses', () => {
  it('exports CSV with RFC 4180 quoting, within the range, to its owner only', async () => {
    const { token } = await t.signUp();
    // Categorized by hand, so no suggestion job changes the rows while the export runs.
    const categories = await t.gql(
      `{ viewer { categories(first: 20) { nodes { id name } } } }`,
      {},
      token,
    );
    const groceries = categories.data?.viewer.categories.nodes.find(
      (c: { name: string }) => c.name === 'Groceries',
    ).id;
    await t.gql(
      CREATE_EXPENSES,
      {
        input: {
          expenses: [
            {
              amount: '1.50',
              description: 'Lunch, "good"',
              date: '2026-01-05',
              merchant: 'Cafe',
              categoryId: groceries,
            },
            { amount: '2.00', description: 'Bus', date: '2026-01-06', categoryId: groceries },
            {
              amount: '9.00',
              description: 'Out of range',
              date: '2026-02-01',
              categoryId: groceries,
            },
          ],
        },
      },
      token,
    );
    const res = await t.gql(
      REQUEST,
      { input: { format: 'CSV', from: '2026-01-01', to: '2026-01-31' } },
      token,
    );
    expect(res.data?.requestExport.export).toMatchObject({
      format: 'CSV',
      state: 'QUEUED',
      rowCount: null,
      downloadUrl: null,
    });
    const done = await finished(token, res.data?.requestExport.export.id);
    expect(done).toMatchObject({
      state: 'SUCCEEDED',
      rowCount: 2,
      job: { state: 'SUCCEEDED', progress: 2, total: 2 },
    });
    const file = await t.fetch(done.downloadUrl, { headers: { authorization: `Bearer ${token}` } });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toMatch(/^text\/csv/);
    const bytes = Buffer.from(await file.arrayBuffer());
    // A UTF-8 byte order mark first, so spreadsheets read non-ASCII text right.
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').split('\r\n');
    expect(lines[0]).toBe('id,date,amount,currency,description,merchant,category,categorySource');
    expect(lines[1]).toMatch(/^[^,]+,2026-01-05,1.50,USD,"Lunch, ""good""",Cafe,Groceries,MANUAL$/);
    expect(lines[2]).toMatch(/,2026-01-06,2.00,USD,Bus,,Groceries,MANUAL$/);
    expect(lines).toHaveLength(4);

    const other = await t.signUp();
    expect(
      (await t.fetch(done.downloadUrl, { headers: { authorization: `Bearer ${other.token}` } }))
        .status,
    ).toBe(404);
    expect((await t.fetch(done.downloadUrl)).status).toBe(401);
    // Malformed percent-encoding names no export: 404, no stack or server path.
    const garbled = await t.fetch('/exports/%ZZ/download', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(garbled.status).toBe(404);
    expect(await garbled.text()).not.toMatch(/at .*\.[jt]s|\/work\/|URIError/);
    expect(
      (await t.gql(EXPORT, { id: res.data?.requestExport.export.id }, other.token)).data?.node,
    ).toBeNull();
  });

  it('streams a large JSON export in batches, with progress, listed under User.exports', async () => {
    const { token, id } = await t.signUp({ email: 'big@example.com' });
    const dbUser = Number(Buffer.from(id, 'base64').toString().split(':')[1]);
    const sql = postgres(t.databaseUrl, { max: 2, onnotice: () => {} });
    await sql`insert into expenses (user_id, amount, currency, description, expense_date, category_source)
      select ${dbUser}, (i % 100 + 1)::numeric(14,2), 'USD', 'row ' || i, date '2025-01-01' + (i % 365), 'UNCATEGORIZED'
      from generate_series(1, 2500) as i`;
    await sql.end();
    const res = await t.gql(REQUEST, { input: { format: 'JSON' } }, token);
    const done = await finished(token, res.data?.requestExport.export.id);
    expect(done).toMatchObject({
      state: 'SUCCEEDED',
      rowCount: 2500,
      job: { progress: 2500, total: 2500 },
    });
    const download = await t.fetch(done.downloadUrl, {
      headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip, br' },
    });
    // Streamed as stored, never buffered to be compressed.
    expect(download.headers.get('content-encoding')).toBeNull();
    const body = await download.json();
    expect(body).toHaveLength(2500);
    expect(body[0]).toMatchObject({
      date: '2025-01-01',
      currency: 'USD',
      categorySource: 'UNCATEGORIZED',
    });
    const list = await t.gql(
      `{ viewer { exports(first: 5) { totalCount nodes { id state } } } }`,
      {},
      token,
    );
    expect(list.data?.viewer.exports).toEqual({
      totalCount: 1,
      nodes: [{ id: res.data?.requestExport.export.id, state: 'SUCCEEDED' }],
    });
  });

  it('exports an empty range as a valid empty file, and refuses a reversed range', async () => {
    const { token } = await t.signUp();
    const res = await t.gql(
      REQUEST,
      { input: { format: 'JSON', from: '1999-01-01', to: '1999-01-31' } },
      token,
    );
    const done = await finished(token, res.data?.requestExport.export.id);
    expect(done.rowCount).toBe(0);
    expect(
      await (
        await t.fetch(done.downloadUrl, { headers: { authorization: `Bearer ${token}` } })
      ).json(),
    ).toEqual([]);
    const bad = await t.gql(
      REQUEST,
      { input: { format: 'CSV', from: '2026-02-01', to: '2026-01-01' } },
      token,
    );
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
