import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { startEmbeddedPostgres } from './embedded.js';
import { runMigrations } from './migrate.js';

export interface OpenDatabase {
  readonly url: string;
  /** True when this process started an embedded Postgres (DATABASE_URL unset). */
  readonly embedded: boolean;
  /** Stops the embedded Postgres, if any. */
  stop(): Promise<void>;
}

/** The configured database, or an embedded one when DATABASE_URL is unset, migrated. */
export async function openDatabase(config: Config, log: Logger): Promise<OpenDatabase> {
  if (config.databaseUrl) {
    // A session: the migration lock (DATABASE_DIRECT_URL behind PgBouncer).
    await runMigrations(config.databaseDirectUrl ?? config.databaseUrl);
    return { url: config.databaseUrl, embedded: false, stop: async () => {} };
  }
  const embedded = await startEmbeddedPostgres(config.dataDir, log);
  try {
    await runMigrations(embedded.url);
  } catch (error) {
    await embedded.stop();
    throw error;
  }
  return { url: embedded.url, embedded: true, stop: () => embedded.stop() };
}
