/**
 * The mixed scenario as a process of its own, until it is sent SIGTERM: the subscription
 * benchmark runs it beside its writes, so the load generator's work does not delay the event
 * arrivals that benchmark times. Prints `{"requests":…,"errors":…,"seconds":…}` as it ends.
 *
 *   npx tsx load/mixed-load.ts --bases http://…,http://… --token … [--category …] [--connections 30]
 */
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { mixedBody } from './mixed.js';

const { values } = parseArgs({
  options: {
    bases: { type: 'string' },
    token: { type: 'string' },
    category: { type: 'string' },
    connections: { type: 'string', default: '30' },
  },
});
if (!values.bases || !values.token) {
  console.error('--bases and --token are required');
  process.exit(2);
}
const bases = values.bases.split(',');
const perGateway = Math.max(1, Math.round(Number(values.connections) / bases.length));
const next = mixedBody(values.category ?? null);
const headers = { 'content-type': 'application/json', authorization: `Bearer ${values.token}` };
const started = performance.now();
let errors = 0;
const instances = bases.map((base) =>
  autocannon(
    {
      url: `${base}/graphql`,
      connections: perGateway,
      duration: 3600,
      requests: [
        {
          method: 'POST',
          headers,
          setupRequest: (request: object) => ({ ...request, ...next() }),
          onResponse: (status: number, body: string) => {
            if (status !== 200 || body.includes('"errors"')) errors++;
          },
        },
      ],
    } as autocannon.Options,
    () => {},
  ),
);
let requests = 0;
for (const instance of instances) instance.on('response', () => requests++);
process.on('SIGTERM', () => {
  for (const instance of instances) instance.stop();
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify({ requests, errors, seconds })}\n`);
  process.exit(0);
});
console.log('started');
