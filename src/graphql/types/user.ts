import type { CategoryPageExtras } from '../../db/queries/categories.js';
import { countUsers, pageUsers } from '../../db/queries/users.js';
import type { CategoryRow } from '../../db/schema/categories.js';
import type { ExpenseRow } from '../../db/schema/expenses.js';
import type { UserProfile, UserRow } from '../../db/schema/users.js';
import { userError } from '../../domain/errors.js';
import { encodeGlobalId } from '../../domain/ids.js';
import { checkCredentials, signUp } from '../../domain/users/commands.js';
import { loadReadable, requireAdmin } from '../access.js';
import { builder } from '../builder.js';
import { countedConnection } from '../connections.js';
import type { Context } from '../context.js';
import { nestedExpenses, resolveExpenseList } from '../expense-list.js';
import { type PlanInfo, planBelow, planConnection, planned } from '../nested-connections.js';
import {
  beyondCursorWindow,
  buildConnection,
  type ConnectionArgs,
  connectionComplexity,
  encodeCursor,
  parseConnectionArgs,
} from '../pagination.js';
import { CategoryRef, ExpenseRef, UserRef } from '../refs.js';
import { selects } from '../selection.js';
import { userForSelection } from '../user-row.js';
import { CategoryConnection } from './category.js';
import { ExpenseConnection } from './expense.js';
import { ExpenseFilterInput } from './expense-filter.js';
import { ExpenseOrderEnum } from './expense-order.js';

builder.node(UserRef, {
  id: { resolve: (user) => user.id },
  loadMany: (ids, ctx) => loadReadable(ctx, 'User', ctx.loaders.userById, ids, (u) => u.id),
  fields: (t) => ({
    email: t.exposeString('email'),
    name: t.exposeString('name'),
    currency: t.exposeString('currency'),
    createdAt: t.field({ type: 'DateTime', resolve: (user) => user.createdAt }),
    categories: t.connection(
      {
        type: CategoryRef,
        complexity: connectionComplexity,
        resolve: async (user, args, ctx, info) => {
          const ready = planned<CategoryRow>(ctx, user, info);
          if (ready) return ready;
          const plan = categoryPlan(args, info);
          const rows = await ctx.loaders.categoriesByUser.load({
            ownerId: user.id,
            window: plan.page.window,
            include: plan.include,
          });
          // The categories' own lists (their expenses) for all of them at once.
          await planBelow(ctx, info, 'Category', rows);
          return categoryConnection(ctx, plan, user.id, rows);
        },
      },
      CategoryConnection,
    ),
    expenses: t.connection(
      {
        type: ExpenseRef,
        complexity: connectionComplexity,
        args: {
          filter: t.arg({ type: ExpenseFilterInput }),
          orderBy: t.arg({ type: ExpenseOrderEnum, defaultValue: 'DATE_DESC' }),
        },
        resolve: (user, args, ctx, info) =>
          planned<ExpenseRow>(ctx, user, info) ??
          resolveExpenseList(ctx, 'user', user.id, args, info),
      },
      ExpenseConnection,
    ),
  }),
});

/** What a user's category list asks: its window, and whether to bring the keywords along. */
function categoryPlan(args: ConnectionArgs, info: PlanInfo) {
  const page = parseConnectionArgs(args, 'id');
  // The page statement aggregates the keywords when the selection shows them.
  const withKeywords = selects(info, 'nodes.keywords') || selects(info, 'edges.node.keywords');
  const include: CategoryPageExtras | undefined = withKeywords ? { withKeywords } : undefined;
  return { page, include };
}

function categoryConnection(
  ctx: Context,
  { page }: ReturnType<typeof categoryPlan>,
  userId: number,
  rows: readonly CategoryRow[],
) {
  return buildConnection(
    rows,
    page,
    (category) => encodeCursor('id', category.id, category.id),
    async () =>
      (
        await ctx.loaders.categoriesByUser.load({
          ownerId: userId,
          window: beyondCursorWindow(page),
        })
      ).length > 0,
    () => ctx.loaders.categoryCountByUser.load({ ownerId: userId }),
  );
}

planConnection<UserProfile, CategoryRow>('User', 'categories', {
  rowType: 'Category',
  async fetchAll(ctx, users, args, info) {
    const plan = categoryPlan(args, info);
    const pages = await ctx.loaders.pages.categoriesByUser(
      [...new Set(users.map((user) => user.id))],
      { window: plan.page.window, include: plan.include },
    );
    return new Map(
      users.map((user) => [user, categoryConnection(ctx, plan, user.id, pages.get(user.id) ?? [])]),
    );
  },
});
planConnection('User', 'expenses', nestedExpenses('user'));

const UserConnection = countedConnection(UserRef, 'UserConnection');

builder.queryFields((t) => ({
  viewer: t.field({
    type: UserRef,
    nullable: true,
    description: 'The logged-in user; null when anonymous.',
    resolve: async (_root, _args, ctx, info) => {
      if (!ctx.viewer) return null;
      // The verified token carries the id: no statement for the user's row unless one of its
      // columns is asked for.
      return userForSelection(ctx, ctx.viewer.id, info);
    },
  }),
  users: t.connection(
    {
      type: UserRef,
      description: 'Every user, in sign-up order. Admins only.',
      complexity: connectionComplexity,
      resolve: async (_root, args, ctx, info) => {
        requireAdmin(ctx);
        const page = parseConnectionArgs(args, 'id');
        const rows = await pageUsers(ctx.sql, page.window);
        for (const row of rows) ctx.loaders.userById.prime(row.id, row);
        // The users' own lists (categories, expenses, and theirs) for all of them at once.
        await planBelow(ctx, info, 'User', rows);
        return buildConnection(
          rows,
          page,
          (user) => encodeCursor('id', user.id, user.id),
          async () => (await pageUsers(ctx.sql, beyondCursorWindow(page))).length > 0,
          () => countUsers(ctx.sql),
        );
      },
    },
    UserConnection,
  ),
}));

const AuthPayload = builder.objectRef<{ token: string; user: UserRow }>('AuthPayload').implement({
  fields: (t) => ({
    token: t.exposeString('token'),
    user: t.field({ type: UserRef, resolve: (payload) => payload.user }),
  }),
});

const SignUpInput = builder.inputType('SignUpInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    name: t.string({ required: true }),
    password: t.string({ required: true }),
    currency: t.string({ description: 'ISO 4217; defaults to USD.' }),
  }),
});

const LogInInput = builder.inputType('LogInInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    password: t.string({ required: true }),
  }),
});

/** A token for the user, with the role the database gives them (never from the email). */
async function authPayload(ctx: Context, user: UserRow) {
  const token = await ctx.tokens.sign({ sub: encodeGlobalId('User', user.id), role: user.role });
  return { token, user };
}

builder.mutationFields((t) => ({
  signUp: t.field({
    type: AuthPayload,
    description: 'Creates the user with the default categories and their keywords.',
    args: { input: t.arg({ type: SignUpInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      await ctx.authLimits.attempt();
      return authPayload(ctx, await signUp({ uow: ctx.uow, db: ctx.db }, input));
    },
  }),
  logIn: t.field({
    type: AuthPayload,
    args: { input: t.arg({ type: LogInInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      await ctx.authLimits.attempt();
      await ctx.authLimits.beforeLogIn(input.email);
      const user = await checkCredentials(
        { uow: ctx.uow, db: ctx.db },
        input.email,
        input.password,
      );
      if (!user) {
        await ctx.authLimits.logInFailed(input.email);
        throw userError('UNAUTHENTICATED', 'Wrong email or password');
      }
      return authPayload(ctx, user);
    },
  }),
}));
