/** Prometheus metrics for one app instance (its own registry, so tests can run several). */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'route' | 'status'>;
  readonly operations: Counter<'operation' | 'type' | 'outcome'>;
  readonly operationDuration: Histogram<'operation' | 'type'>;
  readonly sqlPerRequest: Histogram<'operation'>;
  readonly sqlStatements: Counter;
  readonly errors: Counter<'code'>;
}

export function createMetrics(
  poolStats: () => Promise<{ inUse: number; open: number; max: number }>,
): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'db_pool_connections',
    help: 'Postgres connections of this instance by state (in_use, open, max)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      try {
        const { inUse, open, max } = await poolStats();
        this.set({ state: 'in_use' }, inUse);
        this.set({ state: 'open' }, open);
        this.set({ state: 'max' }, max);
      } catch {
        // The database being down must not break the scrape; /ready reports it.
      }
    },
  });
  return {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
    operations: new Counter({
      name: 'graphql_operations_total',
      help: 'GraphQL operations by name, type and outcome (ok or error)',
      labelNames: ['operation', 'type', 'outcome'],
      registers: [registry],
    }),
    operationDuration: new Histogram({
      name: 'graphql_operation_duration_seconds',
      help: 'Execution time of GraphQL operations',
      labelNames: ['operation', 'type'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    sqlPerRequest: new Histogram({
      name: 'graphql_sql_statements_per_request',
      help: 'SQL statements one GraphQL operation sent',
      labelNames: ['operation'],
      buckets: [0, 1, 2, 3, 4, 5, 8, 13, 21, 50, 100],
      registers: [registry],
    }),
    sqlStatements: new Counter({
      name: 'sql_statements_total',
      help: 'SQL statements sent to Postgres',
      registers: [registry],
    }),
    errors: new Counter({
      name: 'graphql_errors_total',
      help: 'GraphQL errors by code',
      labelNames: ['code'],
      registers: [registry],
    }),
  };
}
