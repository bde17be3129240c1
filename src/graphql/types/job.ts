import { findJobsByIds, isFinalJobState } from '../../db/queries/jobs.js';
import { submitChatMessage } from '../../domain/chat/commands.js';
import { notFound } from '../../domain/errors.js';
import { jobTopic } from '../../domain/events.js';
import { requireId } from '../../domain/ids.js';
import { loadReadable, requireViewer } from '../access.js';
import { builder } from '../builder.js';
import { recordStream } from '../live.js';
import { JobRef } from '../refs.js';
import { JobStateEnum } from './job-state.js';

builder.node(JobRef, {
  id: { resolve: (job) => job.id },
  loadMany: (ids, ctx) => loadReadable(ctx, 'Job', ctx.loaders.jobById, ids, (j) => j.userId),
  fields: (t) => ({
    kind: t.exposeString('kind'),
    state: t.field({ type: JobStateEnum, resolve: (job) => job.state }),
    attempts: t.exposeInt('attempts'),
    lastError: t.exposeString('lastError', { nullable: true }),
    result: t.field({
      type: 'JSON',
      nullable: true,
      description: 'What the job produced, e.g. { expenseId } for a chat message.',
      resolve: (job) => {
        if (!job.result || typeof job.result !== 'object') return job.result ?? null;
        const { expenseDbId: _internal, ...visible } = job.result as Record<string, unknown>;
        return job.state === 'SUCCEEDED' ? visible : null;
      },
    }),
    progress: t.exposeInt('progress', {
      nullable: true,
      description:
        'Units of work done so far (rows, for an export); null where the task reports none.',
    }),
    total: t.exposeInt('total', {
      nullable: true,
      description: 'Units of work in all, where known (the rows an export writes).',
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (job) => job.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (job) => job.updatedAt }),
  }),
});

builder.queryField('job', (t) =>
  t.field({
    type: JobRef,
    nullable: true,
    description: 'A job the viewer started (a chat message, an export); null for anyone else.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const viewer = requireViewer(ctx);
      const row = await ctx.loaders.jobById.load(requireId(id, 'Job', 'id'));
      return row && row.userId === viewer.id ? row : null;
    },
  }),
);

builder.subscriptionField('jobUpdated', (t) =>
  t.field({
    type: JobRef,
    description:
      "A job of the viewer's: its current state, then each change; completes after SUCCEEDED or FAILED.",
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, { id }, ctx) => {
      const viewer = requireViewer(ctx);
      const jobId = requireId(id, 'Job', 'id');
      return recordStream(ctx, {
        topic: jobTopic(jobId),
        owner: viewer.id,
        read: async () => {
          const [row] = await findJobsByIds(ctx.live().db, [jobId]);
          return row && row.userId === viewer.id ? row : undefined;
        },
        final: (row) => isFinalJobState(row.state),
        missing: () => notFound('Job'),
      });
    },
    resolve: (row) => row,
  }),
);

const JobPayload = builder
  .objectRef<{ job: NonNullable<Awaited<ReturnType<typeof submitChatMessage>>> }>('JobPayload')
  .implement({
    fields: (t) => ({ job: t.field({ type: JobRef, resolve: (payload) => payload.job }) }),
  });

const ChatMessageInput = builder.inputType('ChatMessageInput', {
  fields: (t) => ({
    text: t.string({ required: true, description: 'e.g. "lunch 12.50 at Cafe Rio yesterday"' }),
  }),
});

builder.mutationField('submitChatMessage', (t) =>
  t.field({
    type: JobPayload,
    description: 'Queues the message to become an expense; poll `job` for the result.',
    args: { input: t.arg({ type: ChatMessageInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      return { job: await submitChatMessage({ uow: ctx.uow }, requireViewer(ctx), input.text) };
    },
  }),
);
