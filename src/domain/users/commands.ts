/**
 * Accounts: signing up (with the default categories), checking a log-in's credentials, and the
 * viewer's settings (notification webhook, monthly budget).
 */
import { DUMMY_HASH, hashPassword, verifyPassword } from '../../auth/password.js';
import type { Viewer } from '../../auth/viewer.js';
import type { Executor } from '../../db/client.js';
import { DEFAULT_CATEGORIES } from '../../db/default-categories.js';
import { insertCategories } from '../../db/queries/categories.js';
import { markCovered } from '../../db/queries/daily-metrics.js';
import { findUserByEmail, insertUser, updateUserSettings } from '../../db/queries/users.js';
import type { UserRow } from '../../db/schema/users.js';
import { newWebhookSecret, webhookUrlProblem } from '../../jobs/webhook-delivery.js';
import { badInput, notFound } from '../errors.js';
import type { UnitOfWork } from '../unit-of-work.js';
import * as check from '../validate.js';

export interface UserDeps {
  readonly uow: UnitOfWork<Executor>;
  /** Reads outside the unit of work (the email lookups). */
  readonly db: Executor;
}

export interface SignUpInput {
  readonly email: string;
  readonly name: string;
  readonly password: string;
  /** ISO 4217; USD when not given. */
  readonly currency?: string | null;
}

/** Creates the user with the default categories and their keywords. */
export async function signUp(deps: UserDeps, input: SignUpInput): Promise<UserRow> {
  const email = check.email(input.email, 'email');
  const name = check.text(input.name, 'name', 100);
  const password = check.password(input.password, 'password');
  const currency = check.currency(input.currency ?? 'USD', 'currency');
  const taken = () => badInput('An account with this email already exists', 'email');
  if (await findUserByEmail(deps.db, email)) throw taken();
  const passwordHash = await hashPassword(password);
  const user = await deps.uow.transaction(async (tx, changed) => {
    const created = await insertUser(tx, { email, name, passwordHash, currency });
    if (!created) return undefined;
    await markCovered(tx, created.id);
    await insertCategories(
      tx,
      DEFAULT_CATEGORIES.map((category) => ({ ...category, userId: created.id })),
    );
    // A new account: what admins see of everyone changed.
    changed.user(created.id);
    return created;
  });
  if (!user) throw taken();
  return user;
}

/**
 * The account whose email and password these are; undefined when they are not one's. Changes
 * nothing. Hashes even for an unknown email, so the time taken does not tell which exist.
 */
export async function checkCredentials(
  deps: UserDeps,
  email: string,
  password: string,
): Promise<UserRow | undefined> {
  deps.uow.unchanged();
  const user = await findUserByEmail(deps.db, email.trim());
  const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
  return user && ok ? user : undefined;
}

export interface SettingsInput {
  /** An http(s) URL; null removes it. */
  readonly notificationWebhookUrl?: string | null;
  /** null removes the budget. */
  readonly monthlyBudget?: string | null;
}

function webhookUrl(value: string, allowPrivate: ReadonlySet<string>): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw badInput('notificationWebhookUrl must be an http(s) URL', 'notificationWebhookUrl');
  }
  if (!['http:', 'https:'].includes(url.protocol) || value.length > 2000) {
    throw badInput('notificationWebhookUrl must be an http(s) URL', 'notificationWebhookUrl');
  }
  const problem = webhookUrlProblem(url, allowPrivate);
  if (problem) {
    throw badInput(`notificationWebhookUrl ${problem}`, 'notificationWebhookUrl');
  }
  return url.toString();
}

/** Changes the viewer's notification webhook (with a new signing secret) and monthly budget. */
export async function updateSettings(
  deps: UserDeps & { readonly webhookAllowPrivateHosts: ReadonlySet<string> },
  viewer: Viewer,
  input: SettingsInput,
): Promise<UserRow> {
  const patch: { notificationWebhookUrl?: string | null; monthlyBudget?: string | null } = {};
  if (input.notificationWebhookUrl !== undefined) {
    patch.notificationWebhookUrl =
      input.notificationWebhookUrl === null
        ? null
        : webhookUrl(input.notificationWebhookUrl, deps.webhookAllowPrivateHosts);
  }
  if (input.monthlyBudget !== undefined) {
    patch.monthlyBudget =
      input.monthlyBudget === null
        ? null
        : check.positiveAmount(input.monthlyBudget, 'monthlyBudget');
  }
  const user = await deps.uow.statement(async (db, changed) => {
    const updated = await updateUserSettings(
      db,
      viewer.id,
      patch,
      patch.notificationWebhookUrl ? newWebhookSecret() : undefined,
    );
    if (updated) {
      changed.user(viewer.id);
      changed.entity(['user', viewer.id]);
    }
    return updated;
  });
  if (!user) throw notFound('User');
  return user;
}
