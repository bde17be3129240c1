/**
 * An app served over a real socket, so tests reach it as a client does: through the Node handler
 * (the direct GraphQL path, body limits, compression) and not only through yoga.fetch.
 */
import type { AddressInfo } from 'node:net';
import { createHttpServer } from '../../src/http/server.js';
import type { RunningApi } from '../../src/start-api.js';

export interface HttpServer {
  /** `http://127.0.0.1:<port>`, for clients that take a URL. */
  readonly origin: string;
  /** `fetch` against the app: `path` is relative to its origin. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export async function serveOverHttp(app: RunningApi): Promise<HttpServer> {
  const server = createHttpServer(app.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    fetch: (path, init) => fetch(new URL(path, origin), init),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Closes the app's HTTP server when the app stops (tests stop apps in many ways). */
export async function withHttp(app: RunningApi): Promise<HttpServer> {
  const http = await serveOverHttp(app);
  const stop = app.stop;
  Object.assign(app, {
    stop: async () => {
      await http.close();
      await stop();
    },
  });
  return http;
}
