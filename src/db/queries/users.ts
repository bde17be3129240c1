import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { type UserRow, users } from '../schema/users.js';
import {
  anyId,
  type KeysetWindow,
  keysetCondition,
  keysetOrderBy,
  type SortKey,
} from './keyset.js';

const byId: SortKey = { column: sql`u.id`, id: sql`u.id`, direction: 'asc', cast: 'bigint' };

export function findUsersByIds(db: Executor, ids: readonly number[]): Promise<UserRow[]> {
  return db.select().from(users).where(anyId(users.id, ids));
}

export async function findUserByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = lower(${email})`)
    .limit(1);
  return row;
}

export async function insertUser(
  db: Executor,
  user: Pick<UserRow, 'email' | 'name' | 'passwordHash' | 'currency'>,
): Promise<UserRow | undefined> {
  // A concurrent sign-up with the same email loses on the unique index, not with a 500.
  const [row] = await db.insert(users).values(user).onConflictDoNothing().returning();
  return row;
}

/** One page of all users in id order (admin listing). */
export async function pageUsers(db: Executor, window: KeysetWindow): Promise<UserRow[]> {
  const rows = await db.execute<UserRow>(sql`
    select u.id, u.email, u.name, u.password_hash as "passwordHash", u.currency,
           u.created_at as "createdAt", u.updated_at as "updatedAt"
    from users u where ${keysetCondition(byId, window)}
    order by ${keysetOrderBy(byId, window.backward)} limit ${window.limit}`);
  const list = [...rows];
  return window.backward ? list.reverse() : list;
}

export async function countUsers(db: Executor): Promise<number> {
  const [row] = await db.select({ count: sql<number>`count(*)::int` }).from(users);
  return row?.count ?? 0;
}

export async function updateUserSettings(
  db: Executor,
  id: number,
  patch: { notificationWebhookUrl?: string | null; monthlyBudget?: string | null },
): Promise<UserRow | undefined> {
  const [row] = await db
    .update(users)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(sql`${users.id} = ${id}`)
    .returning();
  return row;
}
