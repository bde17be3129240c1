/**
 * GET /exports/:id/download: a finished export's file, to its owner only (anyone else: 404),
 * streamed chunk by chunk from Postgres.
 */

import type { Plugin } from 'graphql-yoga';
import type { Authenticate } from '../auth/viewer.js';
import type { Db } from '../db/client.js';
import { exportChunkSeqs, findExportsByIds, readExportChunk } from '../db/queries/exports.js';
import { findJobsByIds } from '../db/queries/jobs.js';
import { decodeId } from '../domain/ids.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { problem, routeFailure, routeViewer } from './route-auth.js';

const PATH = /^\/exports\/([^/]+)\/download$/;

async function download(
  db: Db,
  authenticate: Authenticate,
  request: Request,
  id: string,
): Promise<Response> {
  const viewer = await routeViewer(authenticate, request);
  if (viewer instanceof Response) return viewer;
  const exportId = decodeId(id, 'Export');
  const [row] = exportId === null ? [] : await findExportsByIds(db, [exportId]);
  if (!row || row.userId !== viewer.id) return problem(404, 'NOT_FOUND', 'Export not found');
  const [job] = await findJobsByIds(db, [row.jobId]);
  if (job?.state !== 'SUCCEEDED')
    return problem(409, 'NOT_READY', 'The export is not finished yet');
  const seqs = await exportChunkSeqs(db, row.id);
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const seq = seqs[next++];
      if (seq === undefined) {
        controller.close();
        return;
      }
      const chunk = await readExportChunk(db, row.id, seq);
      if (chunk) controller.enqueue(new Uint8Array(chunk));
    },
  });
  const csv = row.format === 'CSV';
  return new Response(body, {
    headers: {
      'content-type': csv ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="expenses-${id}.${csv ? 'csv' : 'json'}"`,
      'cache-control': 'private, no-store',
    },
  });
}

export function useExportDownload(deps: {
  db: Db;
  authenticate: Authenticate;
  metrics: Metrics;
  log: Logger;
}): Plugin {
  return {
    async onRequest({ request, url, endResponse }) {
      const match = PATH.exec(url.pathname);
      if (!match?.[1] || request.method !== 'GET') return;
      let id: string;
      try {
        id = decodeURIComponent(match[1]);
      } catch {
        // Malformed percent-encoding (`%ZZ`) names no export.
        id = '';
      }
      const response = await download(deps.db, deps.authenticate, request, id).catch((error) =>
        routeFailure(error, deps.log),
      );
      deps.metrics.httpRequests.inc({ route: '/exports/:id/download', status: response.status });
      endResponse(response);
    },
  };
}
