/**
 * Starts an embedded Postgres in argv[2] and prints its URL; on SIGTERM it still uses the
 * database for a moment (as a server draining its requests would), prints what it read, then
 * stops the cluster and exits 0.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import postgres from 'postgres';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';

const db = await startEmbeddedPostgres(process.argv[2] as string, pino({ level: 'silent' }));
// The handler goes on before the URL is printed: the test signals as soon as it reads it.
process.on('SIGTERM', async () => {
  await sleep(500);
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  const [row] = await sql`select 1 as one`;
  await sql.end();
  console.log(`DRAINED ${row?.one}`);
  await db.stop();
  process.exit(0);
});
console.log(`URL ${db.url}`);
setInterval(() => {}, 1000);
