/** `npm run db:migrate`: applies pending migrations to DATABASE_URL (or the embedded database). */
import { configOrExit, orExit, parseCli } from '../cli.js';
import { createLogger } from '../logger.js';
import { openDatabase } from './open.js';

parseCli({
  command: 'npm run db:migrate',
  usage: `Usage: npm run db:migrate
Applies pending migrations (the schema's and graphile-worker's) to DATABASE_URL, or to the
embedded database under DATA_DIR when DATABASE_URL is unset. Safe to run from several processes.
  -h, --help   this text`,
  options: {},
});
const config = configOrExit();
const database = await orExit('migrate the database', () =>
  openDatabase(config, createLogger({ logLevel: 'info' })),
);
console.log('migrations applied');
await database.stop();
