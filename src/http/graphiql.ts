/**
 * GraphiQL from the project's own dependencies: yoga's page loads its script, stylesheet and
 * editor workers from a CDN (a blank "Loading…" page offline or behind a strict network, and the
 * version it asks for is not published), so the page here points at routes that serve the files
 * of the installed @graphql-yoga/graphiql. It is a development dependency, as GraphiQL is off in
 * production unless GRAPHIQL=true.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { GraphiQLOptions } from 'graphql-yoga';
import type { Route } from './routes.js';

/** Where the page finds its files; each is a route of its own. */
const ASSET_PREFIX = '/graphiql/';

const ASSETS: Record<string, string> = {
  'graphiql.css': 'text/css; charset=utf-8',
  'yoga-graphiql.umd.js': 'text/javascript; charset=utf-8',
  'monacoeditorwork/editor.worker.bundle.js': 'text/javascript; charset=utf-8',
  'monacoeditorwork/json.worker.bundle.js': 'text/javascript; charset=utf-8',
  // The package's own file name, with two dots.
  'monacoeditorwork/graphql.worker..bundle.js': 'text/javascript; charset=utf-8',
};

/** The installed package's dist/ folder, or undefined when it is not installed. */
export function graphiqlAssetDir(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve('@graphql-yoga/graphiql/package.json');
    return path.join(path.dirname(manifest), 'dist');
  } catch {
    return undefined;
  }
}

/** `GET /graphiql/<file>` routes for the page's files, read once and kept. */
export function graphiqlAssetRoutes(dir: string): Record<string, Route> {
  return Object.fromEntries(
    Object.entries(ASSETS).map(([file, type]) => {
      let body: Promise<Uint8Array<ArrayBuffer>> | undefined;
      const route: Route = async () => {
        body ??= readFile(path.join(dir, file)).then(
          (buffer) =>
            new Uint8Array(buffer.buffer as ArrayBuffer, buffer.byteOffset, buffer.byteLength),
        );
        return new Response(await body, {
          headers: { 'content-type': type, 'cache-control': 'public, max-age=86400' },
        });
      };
      return [`GET ${ASSET_PREFIX}${file}`, route];
    }),
  );
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * yoga's page (graphql-yoga's graphiql-html.js), with every URL on this server. The options go
 * into a script as JSON, with `<` escaped so no value can end the script element.
 */
export function renderGraphiQL(options: GraphiQLOptions): string {
  const asset = (file: string) => `${ASSET_PREFIX}${file}`;
  const workers = JSON.stringify({
    editorWorkerService: asset('monacoeditorwork/editor.worker.bundle.js'),
    json: asset('monacoeditorwork/json.worker.bundle.js'),
    graphql: asset('monacoeditorwork/graphql.worker..bundle.js'),
  });
  const json = JSON.stringify(options).replace(/</g, '\\u003c');
  const title = escapeHtml(options.title ?? 'GraphiQL');
  return `<!doctype html><html lang=en><head><meta charset=utf-8><title>${title}</title>
<link rel=icon href="data:,"><link rel=stylesheet href="${asset('graphiql.css')}"></head>
<body id=body class=no-focus-outline><noscript>You need to enable JavaScript to run this app.</noscript>
<div id=root>Loading ${title}…</div>
<script>
const workers = {};
const workerUrls = ${workers};
function prepareWorkers() {
  return Promise.all(Object.entries(workerUrls).map(async ([name, url]) => {
    const text = await (await fetch(url)).text();
    workers[name] = URL.createObjectURL(new Blob([text], { type: 'application/javascript' }));
  }));
}
self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_, label) => workers[label] };
</script>
<script src="${asset('yoga-graphiql.umd.js')}"></script>
<script>prepareWorkers().finally(() => YogaGraphiQL.renderYogaGraphiQL(root, ${json}));</script>
</body></html>`;
}
