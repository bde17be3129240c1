/**
 * Bounds on the shape of what a client sends as `variables` and `extensions`, checked before
 * anything walks them (the persisted-query resolver, the response cache's key, the rate limiter,
 * graphql's coercion). Every one of those recurses; a few hundred KB of `[[[[…]]]]` nested
 * 200,000 deep overflowed the stack after a second of blocked event loop, and V8's own
 * JSON.parse spends ~170 ms on such a body, so raw JSON is measured before it is parsed too.
 *
 * The API's deepest real input is a few levels (`input.expenses[i].amount`); the limits leave
 * room for clients that wrap more, and refuse only what no operation could use.
 */
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Objects and arrays inside one another, counting the outermost. */
export const MAX_JSON_DEPTH = 32;
/**
 * Values (scalars, objects, arrays) in `variables`: a 1,000-row bulk input is about 8,000, so
 * twice that. Anything past it is refused before JSON.parse, which spends ~6 ms of event loop on
 * an object of 20,000 keys.
 */
export const MAX_VARIABLE_VALUES = 16_000;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const COMMA = 0x2c;

/**
 * How deep JSON text nests objects and arrays (up to `maxDepth`, where the scan stops) and how
 * many commas it holds outside strings, read in one pass without parsing. Malformed text is left
 * to the parser.
 */
function scanJson(text: Buffer | string, maxDepth: number): { tooDeep: boolean; commas: number } {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  let depth = 0;
  let commas = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === COMMA) {
      commas++;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > maxDepth) return { tooDeep: true, commas };
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
    }
  }
  return { tooDeep: false, commas };
}

/** Whether JSON text nests objects and arrays deeper than `max` (brackets in strings aside). */
export function jsonNestsDeeperThan(text: Buffer | string, max = MAX_JSON_DEPTH): boolean {
  return scanJson(text, max).tooDeep;
}

/** Commas a request body may hold besides its variables' (its own keys, an extensions object). */
const OTHER_COMMAS = 64;

/**
 * What is wrong with a request's JSON text before it is parsed: nesting past MAX_JSON_DEPTH, or
 * so many values that its variables must hold more than MAX_VARIABLE_VALUES: such a body is
 * refused without the cost of V8's JSON.parse.
 */
export function rawJsonProblem(text: Buffer | string): string | undefined {
  const { tooDeep, commas } = scanJson(text, MAX_JSON_DEPTH);
  if (tooDeep) return tooDeepMessage;
  if (commas > MAX_VARIABLE_VALUES + OTHER_COMMAS) return tooManyMessage;
  return undefined;
}

/** What is wrong with a parsed `variables` (or `extensions`) value, or undefined. */
export function variablesProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const seen = { values: 0 };
  return walk(value, 1, seen);
}

/**
 * Counts values and checks depth in one pass that allocates nothing, as it runs on every
 * request's variables (a stack of [value, depth] pairs held the event loop, load/BASELINE.md). It
 * recurses, but never past MAX_JSON_DEPTH + 1 frames: it returns before entering a deeper level.
 */
function walk(value: object, depth: number, seen: { values: number }): string | undefined {
  if (depth > MAX_JSON_DEPTH) return `Variables nest deeper than ${MAX_JSON_DEPTH} levels`;
  const record = value as Record<string, unknown>;
  const keys = Array.isArray(value) ? undefined : Object.keys(record);
  const length = keys ? keys.length : (value as unknown[]).length;
  for (let i = 0; i < length; i++) {
    if (++seen.values >= MAX_VARIABLE_VALUES) {
      return tooManyMessage;
    }
    const item = keys ? record[keys[i] as string] : (value as unknown[])[i];
    if (item !== null && typeof item === 'object') {
      const problem = walk(item, depth + 1, seen);
      if (problem) return problem;
    }
  }
  return undefined;
}

export const tooDeepMessage = `Request JSON nests deeper than ${MAX_JSON_DEPTH} levels`;
export const tooManyMessage = `Variables hold more than ${MAX_VARIABLE_VALUES} values`;

export function badShape(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
  });
}

/**
 * The same bounds for every request yoga parses (GET query strings, form bodies, in-process
 * `yoga.fetch` callers), as its first params hook: a throw there ends the request before the
 * hooks after it run.
 */
export function useVariablesGuard(): Plugin {
  return {
    onRequestParse({ requestParser, setRequestParser }) {
      if (!requestParser) return;
      // yoga's GET and form parsers JSON.parse `variables` and `extensions` as they are: a
      // malformed one is the client's mistake (400), not an internal error.
      setRequestParser(async (request) => {
        try {
          return await requestParser(request);
        } catch (error) {
          if (error instanceof SyntaxError)
            throw badShape('variables or extensions is not valid JSON');
          throw error;
        }
      });
    },
    onParams({ params }) {
      const problem = variablesProblem(params.variables) ?? variablesProblem(params.extensions);
      if (problem) throw badShape(problem);
    },
  };
}
