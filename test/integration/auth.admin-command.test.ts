import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.js';

/**
 * `npm run admin` (the real command, as a process) is the only way to grant or revoke admin; a
 * token's role follows the database within AUTH_RECHECK_SECONDS (0 here: every request).
 */
const t = useTestApp({ AUTH_RECHECK_SECONDS: '0' });
const run = promisify(execFile);

async function admin(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/admin-cli.ts', ...args],
      { env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: t.databaseUrl, ...env } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const USERS = '{ users(first: 5) { totalCount } }';

describe('npm run admin', () => {
  it('grants and revokes admin; the same token follows at once', async () => {
    const alice = await t.signUp({ email: 'alice@example.com' });
    expect((await t.gql(USERS, {}, alice.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const granted = await admin(['grant', 'ALICE@example.com']);
    expect(granted).toMatchObject({ code: 0 });
    expect(granted.stdout).toMatch(/alice@example.com \(user \d+\) is an admin/);
    const asAdmin = await t.gql(USERS, {}, alice.token);
    expect(asAdmin.errors).toBeUndefined();

    expect((await admin(['revoke', 'alice@example.com'])).code).toBe(0);
    expect((await t.gql(USERS, {}, alice.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('grants every ADMIN_EMAILS address with --from-env, and says which have no account', async () => {
    const bob = await t.signUp({ email: 'bob@example.com' });
    const result = await admin(['grant', '--from-env'], {
      ADMIN_EMAILS: 'bob@example.com, nobody@example.com',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/bob@example.com .* is an admin/);
    expect(result.stderr).toMatch(/No account with the email nobody@example.com/);
    expect((await t.gql(USERS, {}, bob.token)).errors).toBeUndefined();
  });

  it('answers --help, and a bad use with one line and exit code 2', async () => {
    const help = await admin(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: npm run admin -- <grant\|revoke> <email>/);
    for (const args of [[], ['promote', 'x@example.com'], ['grant'], ['revoke', '--from-env']]) {
      const bad = await admin(args);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });

  it("refuses a deleted user's token", async () => {
    const carol = await t.signUp({ email: 'carol@example.com' });
    expect((await t.gql('{ viewer { id } }', {}, carol.token)).errors).toBeUndefined();
    await t.app.pool`delete from users where email = 'carol@example.com'`;
    const after = await t.gql('{ viewer { id } }', {}, carol.token);
    expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
