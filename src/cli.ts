/**
 * What every command line of the project does alike: `--help` prints its usage; a bad argument
 * or bad configuration is one line on stderr naming it, exit code 2; a failure to start (the
 * database unreachable, the port in use) is one line, exit code 1. Never a stack trace: those are
 * for bugs.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type Config, ConfigError, loadConfig } from './config.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CliSpec {
  /** How to call it: printed by --help, and pointed to by every usage error. */
  readonly usage: string;
  /** The npm script, for "(npm run seed -- --help)". */
  readonly command: string;
  readonly options: Options;
  readonly allowPositionals?: boolean;
}

/** Ends the process with a one-line message about a bad argument (exit 2). */
export function usageError(command: string, message: string): never {
  console.error(`${message} (${command} -- --help)`);
  process.exit(2);
}

/** The parsed command line, or --help's usage (exit 0), or a bad argument's line (exit 2). */
export interface ParsedCli {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: string[];
}

export function parseCli(spec: CliSpec, args: string[] = process.argv.slice(2)): ParsedCli {
  let parsed: ParsedCli;
  try {
    parsed = parseArgs({
      args,
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: spec.allowPositionals ?? false,
      strict: true,
    }) as ParsedCli;
  } catch (error) {
    usageError(spec.command, (error as Error).message);
  }
  if (parsed.values.help) {
    console.log(spec.usage);
    process.exit(0);
  }
  return parsed;
}

/** The configuration, or one line naming the bad setting (exit 2). */
export function configOrExit(env?: Record<string, string | undefined>): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Configuration error: ${error.message}`);
    process.exit(2);
  }
}

/** What a start-up failure's one line says: the error's own words and, for a socket, where. */
export function startFailure(error: unknown): string {
  const { code, message, address, port } = error as {
    code?: string;
    message?: string;
    address?: string;
    port?: number;
  };
  const where = address ? ` (${address}${port ? `:${port}` : ''})` : '';
  const text = message || code || String(error);
  return `${text}${where}`;
}

/** Runs a start-up step; its failure is one line and exit code 1, not a stack. */
export async function orExit<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(2);
    }
    console.error(`Could not ${what}: ${startFailure(error)}`);
    process.exit(1);
  }
}
