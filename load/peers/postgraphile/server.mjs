/**
 * PostGraphile 5 as the load suite's benchmark peer: the Amber preset over the `public` schema
 * of DATABASE_URL, with connection filters and aggregates, served by grafserv on node:http at
 * http://127.0.0.1:$PORT/graphql. No auth (every request runs as the connection's role), no
 * GraphiQL, no watch mode, one process. `GET /ready` answers 200 once the schema is built.
 * SIGTERM closes the server and the pool, then exits.
 *
 * Environment: DATABASE_URL (required), PORT (required), DB_POOL_MAX (default 10, Ledgerline's
 * default pool size).
 *
 * Plain JavaScript run by `node` directly: the peer is measured without a loader in front of it.
 */
import { createServer } from 'node:http';

// PostGraphile 5 declares Node >= 22; on Node 20 the one missing global it uses is
// Promise.withResolvers (ES2024).
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
// Set before the modules below load: some of them read it once, at import.
process.env.NODE_ENV = 'production';

const { DATABASE_URL: connectionString, PORT } = process.env;
if (!connectionString || !PORT) {
  console.error('server.mjs needs DATABASE_URL and PORT');
  process.exit(2);
}
const poolMax = Number(process.env.DB_POOL_MAX ?? 10);

const { postgraphile } = await import('postgraphile');
const { PostGraphileAmberPreset } = await import('postgraphile/presets/amber');
const { makePgService } = await import('postgraphile/adaptors/pg');
const { grafserv } = await import('postgraphile/grafserv/node');
const { PgAggregatesPreset } = await import('@graphile/pg-aggregates');
const { PostGraphileConnectionFilterPreset } = await import(
  'postgraphile-plugin-connection-filter'
);

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset, PgAggregatesPreset],
  pgServices: [
    makePgService({ connectionString, schemas: ['public'], poolConfig: { max: poolMax } }),
  ],
  grafserv: { graphqlPath: '/graphql', graphiql: false, watch: false, websockets: false },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
// Build the schema (introspection) before listening: a harness waits for /ready.
await pgl.getSchemaResult();
const handle = serv.createHandler();

const server = createServer((req, res) => {
  if (req.method === 'GET' && (req.url === '/ready' || req.url === '/health')) {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
    return;
  }
  handle(req, res, (error) => {
    res.writeHead(error ? 500 : 404, { 'content-type': 'text/plain' });
    res.end(error ? 'error' : 'not found');
  });
});
server.keepAliveTimeout = 65_000;

server.listen(Number(PORT), '127.0.0.1');

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  try {
    await pgl.release();
  } finally {
    process.exit(0);
  }
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
