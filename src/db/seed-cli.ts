/**
 * `npm run seed -- --users 1000 --expenses 200000`: fills the configured database (or the
 * embedded one) with deterministic demo data, showing a progress bar and the rate.
 */
import { SingleBar } from 'cli-progress';
import postgres from 'postgres';
import { configOrExit, orExit, parseCli, usageError } from '../cli.js';
import { createLogger } from '../logger.js';
import { openDatabase } from './open.js';
import { SEED_EMAIL_DOMAIN, SEED_PASSWORD, seed } from './seed.js';

const COMMAND = 'npm run seed';
const { values } = parseCli({
  command: COMMAND,
  usage: `Usage: ${COMMAND} -- [--users <n>] [--expenses <n>]
Fills DATABASE_URL (or the embedded database), migrated first, with deterministic demo data.
  --users <n>      seed users, user1@${SEED_EMAIL_DOMAIN} … (default 100, at least 1)
  --expenses <n>   expenses spread over them (default 20000)
  -h, --help       this text`,
  options: {
    users: { type: 'string', default: '100' },
    expenses: { type: 'string', default: '20000' },
  },
});
const users = Number(values.users);
const expenses = Number(values.expenses);
if (!Number.isInteger(users) || users < 1) usageError(COMMAND, '--users takes a whole number >= 1');
if (!Number.isInteger(expenses) || expenses < 0) {
  usageError(COMMAND, '--expenses takes a whole number >= 0');
}

const config = configOrExit();
const database = await orExit('open the database', () =>
  openDatabase(config, createLogger({ logLevel: 'warn' })),
);
const sql = postgres(database.url, { max: 4, onnotice: () => {} });
const bar = new SingleBar({
  format: 'expenses [{bar}] {percentage}% {value}/{total} {rate}/s, ETA {eta_formatted}',
  hideCursor: true,
});
const started = performance.now();
bar.start(expenses, 0, { rate: 0 });
try {
  const result = await seed(sql, { users, expenses }, ({ expensesWritten }) => {
    const seconds = (performance.now() - started) / 1000;
    bar.update(expensesWritten, { rate: Math.round(expensesWritten / seconds) });
  });
  bar.stop();
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `Seeded ${result.users} users and ${result.expenses} expenses in ${seconds.toFixed(1)} s: ` +
      `expenses written at ${Math.round(result.expenses / result.copySeconds)}/s, ` +
      `${Math.round(result.expenses / seconds)}/s overall (users, categories and clean-up included).`,
  );
  console.log(
    `Log in as user1@${SEED_EMAIL_DOMAIN} … user${result.users}@${SEED_EMAIL_DOMAIN}, password "${SEED_PASSWORD}".`,
  );
} finally {
  bar.stop();
  await sql.end();
  await database.stop();
}
