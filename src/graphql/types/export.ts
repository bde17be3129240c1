import {
  countExportsByUser,
  findExportsByIds,
  pageExportsByUser,
} from '../../db/queries/exports.js';
import { findJobsByIds, isFinalJobState } from '../../db/queries/jobs.js';
import { notFound } from '../../domain/errors.js';
import { jobTopic } from '../../domain/events.js';
import { requestExport } from '../../domain/exports/commands.js';
import { encodeGlobalId, requireId } from '../../domain/ids.js';
import { loadReadable, requireViewer } from '../access.js';
import { builder } from '../builder.js';
import { countedConnection } from '../connections.js';
import { recordStream } from '../live.js';
import {
  beyondCursorWindow,
  buildConnection,
  connectionComplexity,
  encodeCursor,
  parseConnectionArgs,
} from '../pagination.js';
import { ExportRef, JobRef, UserRef } from '../refs.js';
import { ExportFormatEnum } from './export-format.js';
import { JobStateEnum } from './job-state.js';

/** Where the owner GETs a finished export (with the same bearer token). */
export const downloadPath = (exportId: number) =>
  `/exports/${encodeGlobalId('Export', exportId)}/download`;

builder.node(ExportRef, {
  id: { resolve: (row) => row.id },
  loadMany: (ids, ctx) => loadReadable(ctx, 'Export', ctx.loaders.exportById, ids, (x) => x.userId),
  fields: (t) => ({
    format: t.field({ type: ExportFormatEnum, resolve: (row) => row.format }),
    state: t.field({
      type: JobStateEnum,
      resolve: async (row, _args, ctx) =>
        (await ctx.loaders.jobById.load(row.jobId))?.state ?? 'FAILED',
    }),
    rowCount: t.exposeInt('rowCount', { nullable: true }),
    downloadUrl: t.string({
      nullable: true,
      description: 'Set once SUCCEEDED; GET it with the same bearer token.',
      resolve: async (row, _args, ctx) =>
        (await ctx.loaders.jobById.load(row.jobId))?.state === 'SUCCEEDED'
          ? downloadPath(row.id)
          : null,
    }),
    job: t.field({
      type: JobRef,
      description: 'The job writing this export (progress counts rows written).',
      resolve: async (row, _args, ctx) => {
        const job = await ctx.loaders.jobById.load(row.jobId);
        if (!job) throw new Error(`export ${row.id} has no job`);
        return job;
      },
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (row) => row.createdAt }),
  }),
});

const ExportConnection = countedConnection(ExportRef, 'ExportConnection');

builder.objectField(UserRef, 'exports', (t) =>
  t.connection(
    {
      type: ExportRef,
      description: 'Exports the user requested, newest first.',
      complexity: connectionComplexity,
      resolve: async (user, args, ctx) => {
        const page = parseConnectionArgs(args, 'id');
        const rows = await pageExportsByUser(ctx.sql, user.id, page.window);
        for (const row of rows) ctx.loaders.exportById.prime(row.id, row);
        return buildConnection(
          rows,
          page,
          (row) => encodeCursor('id', row.id, row.id),
          async () =>
            (await pageExportsByUser(ctx.sql, user.id, beyondCursorWindow(page))).length > 0,
          () => countExportsByUser(ctx.sql, user.id),
        );
      },
    },
    ExportConnection,
  ),
);

const ExportPayload = builder
  .objectRef<{ export: Awaited<ReturnType<typeof requestExport>> }>('ExportPayload')
  .implement({
    fields: (t) => ({ export: t.field({ type: ExportRef, resolve: (payload) => payload.export }) }),
  });

const RequestExportInput = builder.inputType('RequestExportInput', {
  fields: (t) => ({
    format: t.field({ type: ExportFormatEnum, required: true }),
    from: t.field({ type: 'Date' }),
    to: t.field({ type: 'Date' }),
  }),
});

builder.subscriptionField('exportUpdated', (t) =>
  t.field({
    type: ExportRef,
    description:
      "An export of the viewer's: its current state, then each change; completes after SUCCEEDED or FAILED.",
    args: { id: t.arg.id({ required: true }) },
    subscribe: async (_root, { id }, ctx) => {
      const viewer = requireViewer(ctx);
      const exportId = requireId(id, 'Export', 'id');
      const read = async () => {
        const live = ctx.live().db;
        const [row] = await findExportsByIds(live, [exportId]);
        if (!row || row.userId !== viewer.id || row.jobId === null) return undefined;
        const [job] = await findJobsByIds(live, [row.jobId]);
        if (!job) return undefined;
        // The Export's fields read its job through the request's loader: give it this one.
        ctx.loaders.jobById.clear(job.id).prime(job.id, job);
        return { row, state: job.state };
      };
      // An export's state is its job's: the stream follows the job's record, whose id it needs
      // before it listens (the stream's own first read comes after).
      const [known] = await findExportsByIds(ctx.live().db, [exportId]);
      if (!known || known.userId !== viewer.id || known.jobId === null) throw notFound('Export');
      return recordStream(ctx, {
        topic: jobTopic(known.jobId),
        owner: viewer.id,
        read,
        final: ({ state }) => isFinalJobState(state),
        missing: () => notFound('Export'),
      });
    },
    resolve: ({ row }) => row,
  }),
);

builder.mutationField('requestExport', (t) =>
  t.field({
    type: ExportPayload,
    description: "Queues an export of the viewer's expenses (optionally within a date range).",
    args: { input: t.arg({ type: RequestExportInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      return { export: await requestExport({ uow: ctx.uow }, requireViewer(ctx), input) };
    },
  }),
);
