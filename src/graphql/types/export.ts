import { countExportsByUser, pageExportsByUser } from '../../db/queries/exports.js';
import { requestExport } from '../../domain/exports/commands.js';
import { encodeGlobalId } from '../../domain/ids.js';
import { loadReadable, requireViewer } from '../access.js';
import { builder } from '../builder.js';
import { countedConnection } from '../connections.js';
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
