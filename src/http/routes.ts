/**
 * Non-GraphQL routes served by the same yoga instance (so tests reach them with yoga.fetch), and
 * the request-body limit.
 */
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { routeFailure } from './route-auth.js';

const KNOWN = new Set(['/graphql', '/health']);

export type Route = (request: Request) => Response | Promise<Response>;

/** Routes keyed by `METHOD /path`, e.g. `GET /ready`. */
export function useRoutes(routes: Record<string, Route>, metrics: Metrics, log: Logger): Plugin {
  const paths = new Set(Object.keys(routes).map((key) => key.split(' ')[1]));
  const started = new WeakMap<Request, number>();
  return {
    async onRequest({ request, url, endResponse }) {
      started.set(request, performance.now());
      const route = routes[`${request.method} ${url.pathname}`];
      if (route) {
        let response: Response;
        try {
          response = await route(request);
        } catch (error) {
          response = routeFailure(error, log);
        }
        metrics.httpRequests.inc({ route: url.pathname, status: response.status });
        endResponse(response);
      }
    },
    onResponse({ request, response }) {
      const path = new URL(request.url).pathname;
      // Unknown paths share one label, so scanners cannot grow the series without bound.
      const route = paths.has(path) || KNOWN.has(path) ? path : 'other';
      if (!paths.has(path)) metrics.httpRequests.inc({ route, status: response.status });
      const from = started.get(request);
      if (from !== undefined)
        metrics.httpDuration.observe({ route }, (performance.now() - from) / 1000);
    },
  };
}

/** Refuses bodies over `maxBytes` with 413 before they are parsed. */
export function useBodyLimit(maxBytes: number): Plugin {
  return {
    onRequest({ request, endResponse }) {
      const length = Number(request.headers.get('content-length') ?? 0);
      if (length > maxBytes) {
        endResponse(
          Response.json(
            {
              errors: [
                {
                  message: `Request body over ${maxBytes} bytes`,
                  extensions: { code: 'BAD_USER_INPUT' },
                },
              ],
            },
            { status: 413 },
          ),
        );
      }
    },
  };
}
