import { eq, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { emailKey } from '../../email.js';
import type { Executor } from '../client.js';
import { type UserProfile, type UserRow, users } from '../schema/users.js';
import {
  byShape,
  columnsOf,
  execute,
  idArray,
  param,
  type SqlRunner,
  statement,
} from '../statement.js';
import {
  idsParam,
  type KeysetParams,
  type KeysetWindow,
  keysetCondition,
  keysetOrderBy,
  keysetParams,
  type SortKey,
  windowShape,
} from './keyset.js';

const u = alias(users, 'u');

const byId: SortKey = { column: u.id, id: u.id, direction: 'asc', cast: 'bigint' };

/** Every column but the password hash, which only logging in reads (findUserByEmail). */
const profileColumns = columnsOf(u, '', (column) => column !== 'passwordHash');

const byIds = statement<{ ids: string }>(sql`
  select ${profileColumns} from ${users} ${u} where ${u.id} = any(${idsParam})`);

export function findUsersByIds(db: SqlRunner, ids: readonly number[]): Promise<UserProfile[]> {
  return execute<UserProfile, { ids: string }>(db, byIds, { ids: idArray(ids) });
}

/** The account an email names (compared by its key: src/email.ts), with its password hash. */
export async function findUserByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(eq(users.emailKey, emailKey(email)))
    .limit(1);
  return row;
}

export async function insertUser(
  db: Executor,
  user: Pick<UserRow, 'email' | 'name' | 'passwordHash' | 'currency'>,
): Promise<UserRow | undefined> {
  // A concurrent sign-up with the same email loses on the unique index, not with a 500.
  const [row] = await db
    .insert(users)
    .values({ ...user, emailKey: emailKey(user.email) })
    .onConflictDoNothing()
    .returning();
  return row;
}

const rolesByIds = statement<{ ids: string }>(sql`
  select ${u.id}, ${u.role} from ${users} ${u} where ${u.id} = any(${idsParam})`);

/** The current role of each existing user among `ids` (deleted users are absent). */
export async function findRoles(
  db: SqlRunner,
  ids: readonly number[],
): Promise<Map<number, UserRow['role']>> {
  const rows = await execute<Pick<UserRow, 'id' | 'role'>, { ids: string }>(db, rolesByIds, {
    ids: idArray(ids),
  });
  return new Map(rows.map((row) => [row.id, row.role]));
}

/** Sets the role of the account an email names; undefined when there is none. */
export async function setRole(
  db: Executor,
  email: string,
  role: UserRow['role'],
): Promise<Pick<UserRow, 'id' | 'email' | 'role'> | undefined> {
  const [row] = await db
    .update(users)
    .set({ role, updatedAt: sql`now()` })
    .where(eq(users.emailKey, emailKey(email)))
    .returning({ id: users.id, email: users.email, role: users.role });
  return row;
}

const pageStatement = byShape<KeysetWindow, KeysetParams>(
  windowShape,
  (window) => sql`
  select ${profileColumns}
  from ${users} ${u} where ${keysetCondition(byId, window)}
  order by ${keysetOrderBy(byId, window.backward)} limit ${param('limit')}`,
);

/** One page of all users in id order (admin listing). */
export async function pageUsers(db: SqlRunner, window: KeysetWindow): Promise<UserProfile[]> {
  const rows = await execute<UserProfile, KeysetParams>(
    db,
    pageStatement(window),
    keysetParams(window),
  );
  return window.backward ? rows.reverse() : rows;
}

const countAll = statement<Record<string, never>>(sql`select count(*)::int as count from ${users}`);

export async function countUsers(db: SqlRunner): Promise<number> {
  const [row] = await execute<{ count: number }, Record<string, never>>(db, countAll, {});
  return row?.count ?? 0;
}

/**
 * Changes a user's settings. `webhookSecret` is stored only where the user has none yet (a
 * secret, once handed out, stays until the user asks for another).
 */
export async function updateUserSettings(
  db: Executor,
  id: number,
  patch: { notificationWebhookUrl?: string | null; monthlyBudget?: string | null },
  webhookSecret?: string,
): Promise<UserRow | undefined> {
  const [row] = await db
    .update(users)
    .set({
      ...patch,
      ...(webhookSecret
        ? {
            notificationWebhookSecret: sql`coalesce(${users.notificationWebhookSecret}, ${webhookSecret})`,
          }
        : {}),
      updatedAt: sql`now()`,
    })
    .where(sql`${users.id} = ${id}`)
    .returning();
  return row;
}

/** A user's currency; undefined when the user is gone. */
export async function findUserCurrency(db: Executor, id: number): Promise<string | undefined> {
  const [user] = await db.select({ currency: users.currency }).from(users).where(eq(users.id, id));
  return user?.currency;
}

/** Where a user's notifications go and their monthly budget; undefined when the user is gone. */
export async function findNotificationSettings(
  db: Executor,
  id: number,
): Promise<{ webhook: string | null; budget: string | null } | undefined> {
  const [user] = await db
    .select({ webhook: users.notificationWebhookUrl, budget: users.monthlyBudget })
    .from(users)
    .where(eq(users.id, id));
  return user;
}
