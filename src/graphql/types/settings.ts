import { updateUserSettings } from '../../db/queries/users.js';
import type { UserRow } from '../../db/schema/users.js';
import { badInput, notFound } from '../../domain/errors.js';
import { positiveAmount } from '../../domain/validate.js';
import { newWebhookSecret, webhookUrlProblem } from '../../jobs/webhook-delivery.js';
import { requireViewer } from '../access.js';
import { builder } from '../builder.js';
import { UserRef } from '../refs.js';

builder.objectFields(UserRef, (t) => ({
  notificationWebhookUrl: t.exposeString('notificationWebhookUrl', {
    nullable: true,
    description: 'Where notifications (export ready, budget exceeded) are POSTed as JSON.',
  }),
  notificationWebhookSecret: t.string({
    nullable: true,
    description:
      "Signs each delivery the Standard Webhooks way (webhook-id, webhook-timestamp, webhook-signature headers; verify with any Standard Webhooks library). The user's own only.",
    resolve: (user, _args, ctx) =>
      ctx.viewer?.id === user.id ? (user.notificationWebhookSecret ?? null) : null,
  }),
  monthlyBudget: t.field({
    type: 'Decimal',
    nullable: true,
    description: "Spending above this in a month sends one 'budget_exceeded' notification.",
    resolve: (user) => user.monthlyBudget,
  }),
}));

const UpdateSettingsInput = builder.inputType('UpdateSettingsInput', {
  fields: (t) => ({
    notificationWebhookUrl: t.string({ description: 'An http(s) URL; null removes it.' }),
    monthlyBudget: t.field({ type: 'Decimal', description: 'null removes the budget.' }),
  }),
});

const UpdateSettingsPayload = builder
  .objectRef<{ user: UserRow }>('UpdateSettingsPayload')
  .implement({
    fields: (t) => ({ user: t.field({ type: UserRef, resolve: (payload) => payload.user }) }),
  });

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

builder.mutationField('updateSettings', (t) =>
  t.field({
    type: UpdateSettingsPayload,
    description: "Changes the viewer's notification webhook and monthly budget.",
    args: { input: t.arg({ type: UpdateSettingsInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const viewer = requireViewer(ctx);
      const patch: { notificationWebhookUrl?: string | null; monthlyBudget?: string | null } = {};
      if (input.notificationWebhookUrl !== undefined) {
        patch.notificationWebhookUrl =
          input.notificationWebhookUrl === null
            ? null
            : webhookUrl(input.notificationWebhookUrl, ctx.config.webhookAllowPrivateHosts);
      }
      if (input.monthlyBudget !== undefined) {
        patch.monthlyBudget =
          input.monthlyBudget === null
            ? null
            : positiveAmount(input.monthlyBudget, 'monthlyBudget');
      }
      const user = await updateUserSettings(
        ctx.db,
        viewer.id,
        patch,
        patch.notificationWebhookUrl ? newWebhookSecret() : undefined,
      );
      if (!user) throw notFound('User');
      await ctx.invalidation.evictEntities([['user', viewer.id]]);
      ctx.loaders.userById.clear(viewer.id).prime(viewer.id, user);
      return { user };
    },
  }),
);
