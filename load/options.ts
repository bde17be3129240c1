/**
 * The load run's command line: `npm run load [-- options]`. `--help` prints one line per
 * option; a bad argument is one line naming the option, for the caller to exit 2 on.
 */
import { parseArgs } from 'node:util';

export interface LoadOptions {
  /** 3-second scenarios, no scaling check, no job scenario. */
  readonly quick: boolean;
  /** Seconds each scenario is measured. */
  readonly seconds: number;
  /** Seed size when the database has no seed users. */
  readonly users: number;
  readonly expenses: number;
  /** Jobs in the suggest_category burst (full run; 0 skips it). */
  readonly jobs: number;
  /** Table sizes of the scaling check (full run; empty skips it). */
  readonly scaling: readonly number[];
  /** Where results/<time>.json and report.html go. */
  readonly out: string;
  /** Only the scenarios whose name contains this. */
  readonly only: string | undefined;
  /** Measure the PostGraphile peer beside Ledgerline (--no-peer: not). */
  readonly peer: boolean;
}

export type ParsedArgs =
  | { readonly kind: 'run'; readonly options: LoadOptions }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'error'; readonly message: string };

export const HELP = `Usage: npm run load [-- options]

  --quick             3-second scenarios, no scaling check or job scenario (a few minutes)
  --duration <s>      seconds each scenario is measured (default 10, quick 3)
  --only <text>       only the scenarios whose name contains <text> (no limit/job/scaling checks)
  --no-peer           skip the PostGraphile peer (shared scenarios judged against the floor)
  --users <n>         users to seed when the database has no seed users (default 100)
  --expenses <n>      expenses to seed with them (default 50000)
  --jobs <n>          suggest_category jobs in the burst, full run only (default 2000, 0 skips)
  --scaling <list>    scaling check's table sizes, full run (default 10000,200000,2000000)
  --out <dir>         where results/<time>.json and report.html go (default load/results)
  --help              this text
`;

const positiveInteger = (text: string) => /^\d+$/.test(text) && Number(text) > 0;

/** Parses `argv` (without node and the script). Never throws and never exits. */
export function parseLoadArgs(argv: readonly string[]): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean' },
        duration: { type: 'string' },
        users: { type: 'string' },
        expenses: { type: 'string' },
        jobs: { type: 'string' },
        scaling: { type: 'string' },
        out: { type: 'string' },
        only: { type: 'string' },
        'no-peer': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    return { kind: 'error', message: describeParseError(error as Error & { code?: string }) };
  }
  if (values.help) return { kind: 'help', text: HELP };

  const text = (name: string) => values[name] as string | undefined;
  const fail = (message: string): ParsedArgs => ({ kind: 'error', message });
  const duration = text('duration');
  if (duration !== undefined && !(Number(duration) > 0 && Number.isFinite(Number(duration)))) {
    return fail(`--duration must be a positive number of seconds (got '${duration}')`);
  }
  for (const name of ['users', 'expenses'] as const) {
    const value = text(name);
    if (value !== undefined && !positiveInteger(value)) {
      return fail(`--${name} must be a positive whole number (got '${value}')`);
    }
  }
  const jobs = text('jobs');
  if (jobs !== undefined && !/^\d+$/.test(jobs)) {
    return fail(`--jobs must be a whole number, 0 to skip (got '${jobs}')`);
  }
  const scaling = text('scaling');
  const sizes = scaling === undefined || scaling.trim() === '' ? [] : scaling.split(',');
  if (sizes.some((size) => !positiveInteger(size.trim()))) {
    return fail(`--scaling must be a comma-separated list of row counts (got '${scaling}')`);
  }
  const only = text('only');
  if (only !== undefined && only.trim() === '') return fail('--only needs a non-empty name');
  const out = text('out');
  if (out !== undefined && out.trim() === '') return fail('--out needs a directory');

  const quick = values.quick === true;
  return {
    kind: 'run',
    options: {
      quick,
      seconds: duration === undefined ? (quick ? 3 : 10) : Number(duration),
      users: Number(text('users') ?? 100),
      expenses: Number(text('expenses') ?? 50_000),
      jobs: Number(jobs ?? 2000),
      scaling:
        scaling === undefined ? [10_000, 200_000, 2_000_000] : sizes.map((s) => Number(s.trim())),
      out: out ?? 'load/results',
      only,
      peer: values['no-peer'] !== true,
    },
  };
}

/** One line naming the option that node:util's parseArgs rejected. */
function describeParseError(error: Error & { code?: string }): string {
  const quoted = /'([^']+)'/.exec(error.message)?.[1] ?? '';
  const option = quoted.split(' ')[0] ?? quoted;
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option} (--help lists the options)`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${option}' (options start with --; --help lists them)`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /does not take an argument/.test(error.message)
        ? `${option} takes no value`
        : `${option} needs a value`;
    default:
      return error.message.split('\n')[0] ?? 'bad arguments';
  }
}
