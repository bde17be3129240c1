/**
 * The machine's floor, for reference beside the gateway's figures: a bare node:http server
 * that reads the body, runs `ROUND_TRIPS` sequential `select 1` on a postgres.js pool of the
 * gateway's size (prepared, as the gateway's are) and answers a small JSON body. No GraphQL,
 * no auth, no cache: what any gateway on this machine pays for HTTP and SQL round trips alone.
 * Answers /ready and an empty /metrics so the load harness can drive it like a gateway.
 */
import http from 'node:http';
import postgres from 'postgres';

const roundTrips = Number(process.env.ROUND_TRIPS ?? 0);
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
  response.end('{"data":{"ok":true}}');
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close();
  void sql.end().then(() => process.exit(0));
});
