/**
 * The machine's floor, for reference beside the gateway's figures: a bare node:http server
 * that reads the body, runs `ROUND_TRIPS` sequential `select 1` on a postgres.js pool of the
 * gateway's size (prepared, as the gateway's are) and answers a small JSON body. No GraphQL,
 * no auth, no cache: what any gateway on this machine pays for HTTP and SQL round trips alone.
 * Answers /ready and an empty /metrics so the load harness can drive it like a gateway.
 *
 * `BODY_BYTES`: answer a fixed JSON body of that many bytes instead (with `ROUND_TRIPS=0`, the
 * ceiling of a gateway answering a cached response of that size). `PROCESSES`: that many
 * processes sharing the port through node:cluster, as a gateway with `WEB_CONCURRENCY` runs,
 * each with its own pool.
 */
import cluster from 'node:cluster';
import http from 'node:http';
import postgres from 'postgres';

const roundTrips = Number(process.env.ROUND_TRIPS ?? 0);
const processes = Math.max(1, Number(process.env.PROCESSES ?? 1));

/** `{"data":{"pad":"xxx…"}}` padded to exactly `bytes` (at least the empty one's size). */
function fixedBody(bytes: number): string {
  const empty = '{"data":{"pad":""}}';
  return `{"data":{"pad":"${'x'.repeat(Math.max(0, bytes - empty.length))}"}}`;
}

if (cluster.isPrimary && processes > 1) {
  for (let i = 0; i < processes; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    let left = processes;
    cluster.on('exit', () => {
      if (--left === 0) process.exit(0);
    });
  });
} else {
  const answer = process.env.BODY_BYTES
    ? Buffer.from(fixedBody(Number(process.env.BODY_BYTES)))
    : Buffer.from('{"data":{"ok":true}}');
  const sql = postgres(process.env.DATABASE_URL as string, {
    max: Number(process.env.DB_POOL_MAX ?? 10),
    onnotice: () => {},
  });

  const server = http.createServer(async (request, response) => {
    for await (const _chunk of request);
    if (request.url === '/ready' || request.url === '/metrics') {
      response.end();
      return;
    }
    for (let i = 0; i < roundTrips; i++) await sql`select 1 as one`;
    response.setHeader('content-type', 'application/json');
    response.end(answer);
  });
  server.listen(Number(process.env.PORT), '127.0.0.1');
  process.on('SIGTERM', () => {
    server.close();
    void sql.end().then(() => process.exit(0));
  });
}
