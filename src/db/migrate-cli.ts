/** `npm run db:migrate`: applies pending migrations to DATABASE_URL (or the embedded database). */
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { openDatabase } from './open.js';

const database = await openDatabase(loadConfig(), createLogger({ logLevel: 'info' }));
console.log('migrations applied');
await database.stop();
