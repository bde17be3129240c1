/**
 * `npm run admin -- grant <email>` / `revoke <email>`: the only way to make or unmake an admin.
 * Signing up with any address never does; `grant --from-env` grants every `ADMIN_EMAILS` address
 * (the variable is read nowhere else). Emails are matched by their key (src/email.ts), so a
 * Unicode variant names the same account. Runs on DATABASE_URL (or the embedded database),
 * migrated first.
 */
import { parseArgs } from 'node:util';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/open.js';
import { setRole } from './db/queries/users.js';
import { createLogger } from './logger.js';

const USAGE = `Usage: npm run admin -- <grant|revoke> <email>
       npm run admin -- grant --from-env     grant every address in ADMIN_EMAILS
Makes an existing account an admin (grant) or an ordinary user again (revoke). A revoked admin
loses admin rights within AUTH_RECHECK_SECONDS (default 30) on every running server.`;

function usageError(message: string): never {
  console.error(`${message} (npm run admin -- --help)`);
  process.exit(2);
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    allowPositionals: true,
    options: { 'from-env': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
}
try {
  parsed = parse();
} catch (error) {
  usageError((error as Error).message);
}
if (parsed.values.help) {
  console.log(USAGE);
  process.exit(0);
}
const [action, ...emails] = parsed.positionals;
if (action !== 'grant' && action !== 'revoke') usageError('The first argument is grant or revoke');
const fromEnv = parsed.values['from-env'] === true;
if (fromEnv && action !== 'grant') usageError('--from-env only grants');
if (fromEnv && emails.length > 0) usageError('Give either an email or --from-env, not both');
if (!fromEnv && emails.length !== 1) usageError(`${action} takes exactly one email`);

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(2);
}
const targets = fromEnv ? config.adminEmails : emails;
if (targets.length === 0) {
  console.error('ADMIN_EMAILS is empty: no address to grant');
  process.exit(1);
}

const database = await openDatabase(config, createLogger({ logLevel: 'warn' }));
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
