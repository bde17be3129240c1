import type { UserRow } from '../../db/schema/users.js';
import { updateSettings } from '../../domain/users/commands.js';
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

builder.mutationField('updateSettings', (t) =>
  t.field({
    type: UpdateSettingsPayload,
    description: "Changes the viewer's notification webhook and monthly budget.",
    args: { input: t.arg({ type: UpdateSettingsInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const viewer = requireViewer(ctx);
      const user = await updateSettings(
        {
          uow: ctx.uow,
          db: ctx.db,
          webhookAllowPrivateHosts: ctx.config.webhookAllowPrivateHosts,
        },
        viewer,
        input,
      );
      ctx.loaders.userById.clear(viewer.id).prime(viewer.id, user);
      return { user };
    },
  }),
);
