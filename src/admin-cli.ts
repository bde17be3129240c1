/**
 * `npm run admin -- grant <email>` / `revoke <email>`: the only way to make or unmake an admin.
 * Signing up with any address never does; `grant --from-env` grants every `ADMIN_EMAILS` address
 * (the variable is read nowhere else). Emails are matched by their key (src/email.ts), so a
 * Unicode variant names the same account. Runs on DATABASE_URL (or the embedded database),
 * migrated first.
 */
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { configOrExit, orExit, parseCli, usageError } from './cli.js';
import { openDatabase } from './db/open.js';
import { setRole } from './db/queries/users.js';
import { createLogger } from './logger.js';

const COMMAND = 'npm run admin';
const { values, positionals } = parseCli({
  command: COMMAND,
  usage: `Usage: ${COMMAND} -- <grant|revoke> <email>
       ${COMMAND} -- grant --from-env     grant every address in ADMIN_EMAILS
Makes an existing account an admin (grant) or an ordinary user again (revoke). A revoked admin
loses admin rights within AUTH_RECHECK_SECONDS (default 30) on every running server.`,
  allowPositionals: true,
  options: { 'from-env': { type: 'boolean' } },
});
const [action, ...emails] = positionals;
if (action !== 'grant' && action !== 'revoke') {
  usageError(COMMAND, 'The first argument is grant or revoke');
}
const fromEnv = values['from-env'] === true;
if (fromEnv && action !== 'grant') usageError(COMMAND, '--from-env only grants');
if (fromEnv && emails.length > 0)
  usageError(COMMAND, 'Give either an email or --from-env, not both');
if (!fromEnv && emails.length !== 1) usageError(COMMAND, `${action} takes exactly one email`);

const config = configOrExit();
const targets = fromEnv ? config.adminEmails : emails;
if (targets.length === 0) {
  console.error('ADMIN_EMAILS is empty: no address to grant');
  process.exit(1);
}

const database = await orExit('open the database', () =>
  openDatabase(config, createLogger({ logLevel: 'warn' })),
);
const sql = postgres(database.url, { max: 1, onnotice: () => {} });
let missing = 0;
try {
  const db = drizzle(sql);
  const role = action === 'grant' ? 'admin' : 'user';
  for (const email of targets) {
    const user = await setRole(db, email, role);
    if (!user) {
      missing++;
      console.error(`No account with the email ${email}: sign up first, then grant`);
      continue;
    }
    console.log(
      role === 'admin'
        ? `${user.email} (user ${user.id}) is an admin`
        : `${user.email} (user ${user.id}) is no longer an admin`,
    );
  }
} finally {
  await sql.end();
  await database.stop();
}
process.exit(missing > 0 ? 1 : 0);
