/**
 * `npx tsx load/peer-check.ts [--deep 5000] [--keep]`: proves that Ledgerline and the
 * PostGraphile peer return the same rows for every shared scenario, on DATABASE_URL (seeded).
 *
 * Installs the peer if need be, starts it and a Ledgerline gateway (cache off), logs in as the
 * seeded user1 and the load admin, gives a fixture user enough expenses for the deep page (a
 * `load-bulk-` account, which a load run would also remove), then sends each scenario to both and
 * prints ok or different with the first difference. The fixture user is deleted at the end
 * (with --keep it stays, for the next check). Exits non-zero when a scenario differs.
 */
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { SEED_EMAIL_DOMAIN } from '../src/db/seed.js';
import {
  account,
  addExpenses,
  adminAccount,
  expenseCount,
  firstCategoryId,
  logIn,
  pageCursors,
} from './fixtures.js';
import { type Gateway, killGateways, startGateway } from './gateway.js';
import {
  ensurePeerInstalled,
  killPeers,
  PEER_NAME,
  type Peer,
  peerFixtures,
  sharedScenarios,
  startPeer,
  verifyScenario,
} from './peer.js';

const { values } = parseArgs({
  options: {
    deep: { type: 'string', default: '5000' },
    keep: { type: 'boolean', default: false },
  },
});
const deepPosition = Number(values.deep);
if (!Number.isInteger(deepPosition) || deepPosition <= 0 || deepPosition % 100 !== 0) {
  console.error('--deep must be a positive multiple of 100');
  process.exit(2);
}
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('peer-check needs DATABASE_URL (a seeded Ledgerline database)');
  process.exit(2);
}

/** Matches RUN_ACCOUNT_EMAILS' `load-bulk-%`: a load run removes it if this check could not. */
const DEEP_EMAIL = 'load-bulk-peer-check@example.com';

if (!(await ensurePeerInstalled())) process.exit(1);

const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
let gateway: Gateway | undefined;
let peer: Peer | undefined;
let failures = 0;
try {
  console.log(`Starting Ledgerline (cache off) and ${PEER_NAME}…`);
  [gateway, peer] = await Promise.all([
    startGateway(databaseUrl, { CACHE_ENABLED: 'false' }),
    startPeer(databaseUrl),
  ]);
  const base = gateway.base;

  console.log('Preparing fixtures…');
  const user = await logIn(base, `user1@${SEED_EMAIL_DOMAIN}`);
  if (!user) throw new Error('cannot log in as the seeded user1 (is the database seeded?)');
  const admin = await adminAccount(base, sql, 'load-admin@example.com');
  const deepUser = await account(base, DEEP_EMAIL, 'Peer check');
  // 20 rows past the position, so the deep page is a full one.
  const wanted = deepPosition + 20;
  const have = await expenseCount(base, deepUser);
  if (have < wanted) {
    await addExpenses(base, deepUser, wanted - have, await firstCategoryId(base, deepUser));
  }
  const deepCursor = (await pageCursors(base, deepUser, 100, deepPosition / 100)).at(-1);
  if (!deepCursor) throw new Error('no cursor for the deep page');
  const today = new Date().toISOString().slice(0, 10);
  const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);

  const fixtures = await peerFixtures({
    ledgerline: base,
    peer: peer.base,
    userToken: user,
    adminToken: admin,
    from: monthAgo,
    to: today,
    deep: { token: deepUser, ledgerlineCursor: deepCursor, position: deepPosition },
  });
  for (const scenario of sharedScenarios(fixtures)) {
    try {
      await verifyScenario(scenario, base, peer.base);
      console.log(`  ok         ${scenario.name}`);
    } catch (error) {
      failures++;
      console.log(`  different  ${(error as Error).message}`);
    }
  }
} catch (error) {
  failures++;
  console.error(error);
} finally {
  await peer?.stop().catch(() => {});
  // The gateway first: its outbox relay would move the fixture user's queued jobs on.
  await gateway?.stop().catch(() => {});
  killPeers();
  killGateways();
  if (!values.keep) {
    const removed = await sql<{ id: string }[]>`
      delete from users where email = ${DEEP_EMAIL} returning id::text`;
    for (const { id } of removed) {
      // The daily rollups its writes queued (no worker ran here).
      await sql`delete from job_outbox where spec->'payload'->>'userId' = ${id}`;
      await sql`
        delete from graphile_worker._private_jobs
        where locked_at is null and payload->>'userId' = ${id}`.catch(() => {});
    }
  }
  await sql.end();
}
console.log(failures === 0 ? 'All shared scenarios return the same rows.' : `${failures} failed.`);
process.exitCode = failures === 0 ? 0 : 1;
