/** Starts an embedded Postgres in argv[2], prints its URL, then waits to be killed. */
import pino from 'pino';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';

const db = await startEmbeddedPostgres(process.argv[2] as string, pino({ level: 'silent' }));
console.log(`URL ${db.url}`);
setInterval(() => {}, 1000);
