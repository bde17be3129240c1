import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

/**
 * A failed statement's error (Drizzle's "Failed query: <sql>\nparams: <values>") carries the
 * values users sent; logs keep the statement and drop the values, wherever the text appears (an
 * error's message and stack, a message a library built from it).
 */
export function withoutParams(text: string): string {
  return text.replace(/\nparams: [\s\S]*?(?=\n {4}at |$)/g, '\nparams: [not logged]');
}

const errorSerializer = (value: unknown) => {
  if (!(value instanceof Error)) return value;
  const serialized = pino.stdSerializers.err(value) as unknown as Record<string, unknown>;
  delete serialized.params;
  for (const key of ['message', 'stack'] as const) {
    if (typeof serialized[key] === 'string') serialized[key] = withoutParams(serialized[key]);
  }
  return serialized;
};

/** JSON logs on stdout (pino), or on `destination`. */
export function createLogger(
  config: Pick<Config, 'logLevel'>,
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    // pid and hostname tell apart the lines of cluster processes and of containers.
    base: { service: 'ledgerline', pid: process.pid, hostname: hostname() },
    // graphile-worker logs errors under `error` and `fatalError`.
    serializers: { err: errorSerializer, error: errorSerializer, fatalError: errorSerializer },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? withoutParams(arg) : arg)) as typeof args,
        );
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
