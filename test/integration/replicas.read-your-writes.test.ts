/**
 * Read replicas (DATABASE_REPLICA_URLS) on a primary and a streaming replica of the test's own
 * (`pg_basebackup -R`), two instances sharing Redis: queries read from the replica when it has
 * replayed the viewer's last write (transactions counted on the replica itself); with 2 s of
 * injected replay delay, 1,000 write-then-read sequences of several users, written on one
 * instance and read on the other, never miss their own write; a paused replica leaves the
 * rotation and comes back once it catches up, and reads keep being answered meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, startApp } from '../helpers/cache-app.js';
import { CREATE_EXPENSE } from '../helpers/operations.js';
import {
  postgresBin,
  type ReplicatedPostgres,
  startReplicatedPostgres,
} from '../helpers/replicated-postgres.js';
import { eventually } from '../helpers/wait.js';

const COUNT = '{ viewer { expenses(first: 1) { totalCount nodes { description } } } }';

let pg: ReplicatedPostgres;
let writer: Client;
let reader: Client;
beforeAll(async () => {
  pg = await startReplicatedPostgres('ledgerline_replicas');
  const env = {
    REDIS_URL: 'redis://127.0.0.1:6379',
    CACHE_REDIS_TIMEOUT_MS: '2000',
    DATABASE_REPLICA_URLS: pg.replicaUrl,
    REPLICA_POLL_MS: '20',
    // Lag alone never takes this replica out here: the routing by write position is under test.
    REPLICA_MAX_LAG_MS: '600000',
  };
  writer = await startApp(pg.primaryUrl, env);
  reader = await startApp(pg.primaryUrl, env);
}, 120_000);
afterAll(async () => {
  try {
    await Promise.all([writer?.app.stop(), reader?.app.stop()]);
  } finally {
    // The servers of the test's own go, whatever happened to the apps.
    await pg?.remove();
  }
}, 60_000);

async function signUp(client: Client, email: string): Promise<string> {
  const { body } = await client.gql('mutation($i: SignUpInput!) { signUp(input: $i) { token } }', {
    i: { email, name: 'Replica', password: 'password123' },
  });
  return body.data.signUp.token;
}

const reads = async (client: Client, target: 'primary' | 'replica') =>
  (await client.app.metrics.reads.get()).values.find((v) => v.labels.target === target)?.value ?? 0;
const fallbacks = async (client: Client, reason: string) =>
  (await client.app.metrics.replicaFallbacks.get()).values.find((v) => v.labels.reason === reason)
    ?.value ?? 0;

describe.runIf(postgresBin())('read replicas', () => {
  it('reads land on the replica once it has replayed the viewer’s write, and see that write', async () => {
    const token = await signUp(writer, 'replica-caught-up@example.com');
    await writer.gql(CREATE_EXPENSE, { input: { amount: '3.00', description: 'first' } }, token);
    const replicaBefore = await pg.replicaTransactions();
    const before = await reads(reader, 'replica');
    // Distinct page sizes, so the response cache answers none of them.
    let n = 0;
    const page = async () => {
      n++;
      const { body } = await reader.gql(
        'query($n: Int!) { viewer { expenses(first: $n) { totalCount nodes { description } } } }',
        { n },
        token,
      );
      expect(body.errors).toBeUndefined();
      return body.data.viewer.expenses;
    };
    // Once the replica has replayed every write so far (the position admins must see).
    const replicas = reader.app.infra.replicas;
    const everyone = await replicas?.positions.required({ id: 0, role: 'admin' });
    await eventually(async () =>
      (replicas?.set.states()[0]?.replayed ?? -1n) >= (everyone ?? 0n) ? true : undefined,
    );
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push(await page());
    expect((await reads(reader, 'replica')) - before).toBeGreaterThanOrEqual(20);
    for (const page of answers) expect(page.nodes[0].description).toBe('first');
    // The replica itself ran them (its statistics are flushed within a second or so).
    await eventually(async () =>
      (await pg.replicaTransactions()) - replicaBefore >= 20 ? true : undefined,
    );
  }, 60_000);

  it('a new account reads itself at once on the other instance (the primary commits asynchronously here)', async () => {
    // synchronous_commit = off on this primary: a commit returns before its WAL record is
    // written, so the position recorded must be the insert position, not the write position.
    let missing = 0;
    for (let i = 0; i < 100; i++) {
      const token = await signUp(writer, `replica-new-${i}@example.com`);
      const { body } = await reader.gql('{ viewer { email } }', {}, token);
      if (body.data?.viewer?.email !== `replica-new-${i}@example.com`) missing++;
    }
    expect(missing).toBe(0);
  }, 120_000);

  it('a paused replica is taken out of rotation, reads go to the primary meanwhile, and it comes back', async () => {
    const quick = await startApp(pg.primaryUrl, {
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATABASE_REPLICA_URLS: pg.replicaUrl,
      REPLICA_POLL_MS: '20',
      REPLICA_MAX_LAG_MS: '300',
    });
    try {
      const token = await signUp(quick, 'replica-paused@example.com');
      const rotation = () => quick.app.infra.replicas?.set.states()[0]?.inRotation;
      await eventually(async () => (rotation() ? true : undefined));
      await pg.pauseReplay();
      // Writes move the primary on; the paused replica falls behind and is taken out.
      await eventually(async () => {
        await quick.gql(CREATE_EXPENSE, { input: { amount: '1.00', description: 'x' } }, token);
        return rotation() === false ? true : undefined;
      });
      const none = await fallbacks(quick, 'none_in_rotation');
      const { body } = await quick.gql(COUNT, {}, token);
      expect(body.errors).toBeUndefined();
      expect(body.data.viewer.expenses.totalCount).toBeGreaterThan(0);
      expect(await fallbacks(quick, 'none_in_rotation')).toBe(none + 1);
      expect((await quick.app.metrics.replicaInRotation.get()).values[0]?.value).toBe(0);

      await pg.resumeReplay();
      await eventually(async () => (rotation() ? true : undefined), 30_000);
      expect((await quick.app.metrics.replicaInRotation.get()).values[0]?.value).toBe(1);
    } finally {
      await pg.resumeReplay().catch(() => {});
      await quick.app.stop();
    }
  }, 90_000);

  it('with 2 s of replay delay, 1,000 write-then-read sequences of 10 users (written on one instance, read on the other) never miss their own write', async () => {
    await pg.setApplyDelay(2000);
    try {
      const users = await Promise.all(
        Array.from({ length: 10 }, (_, u) => signUp(writer, `replica-lag-${u}@example.com`)),
      );
      const behind = await fallbacks(reader, 'behind');
      let violations = 0;
      await Promise.all(
        users.map(async (token, u) => {
          for (let i = 1; i <= 100; i++) {
            const description = `u${u} #${i}`;
            const created = await writer.gql(
              CREATE_EXPENSE,
              { input: { amount: '1.00', description } },
              token,
            );
            expect(created.body.errors).toBeUndefined();
            const { body } = await reader.gql(COUNT, {}, token);
            const page = body.data.viewer.expenses;
            if (page.totalCount !== i || page.nodes[0]?.description !== description) violations++;
          }
        }),
      );
      expect(violations).toBe(0);
      // The replica could not have answered them: each read went to the primary instead.
      expect((await fallbacks(reader, 'behind')) - behind).toBeGreaterThanOrEqual(900);

      // Once it has replayed them (2 s on), the same users' reads go to the replica again.
      const before = await reads(reader, 'replica');
      let n = 0;
      await eventually(async () => {
        // A new page size each time: a cached answer would not be read anywhere.
        const { body } = await reader.gql(
          'query($n: Int!) { viewer { expenses(first: $n) { totalCount } } }',
          { n: ++n },
          users[0],
        );
        expect(body.data.viewer.expenses.totalCount).toBe(100);
        return (await reads(reader, 'replica')) > before ? true : undefined;
      }, 30_000);
    } finally {
      await pg.setApplyDelay(0);
    }
  }, 240_000);
});
