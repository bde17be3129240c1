import pino, { type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

/** JSON logs on stdout (pino). */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, base: { service: 'ledgerline' } });
}
