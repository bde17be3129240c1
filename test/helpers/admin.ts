/**
 * Makes an account an admin as the operator command does (`npm run admin -- grant`, which calls
 * the same `setRole`): signing up never does. Tests of the command itself run the real CLI.
 */
import { drizzle } from 'drizzle-orm/postgres-js';
import { setRole } from '../../src/db/queries/users.js';
import type { RunningApi } from '../../src/start-api.js';

export async function grantAdmin(app: RunningApi, email: string): Promise<void> {
  const user = await setRole(drizzle(app.pool), email, 'admin');
  if (!user) throw new Error(`no account with the email ${email}`);
}
