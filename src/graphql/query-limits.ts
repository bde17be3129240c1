/**
 * Query-safety limits, enforced before any resolver runs (QUERY_TOO_COMPLEX). Tokens are capped
 * while parsing; aliases and directives depend on the document alone, so their rule joins
 * validation (which yoga caches per document). Depth and
 * complexity depend on variables too (`first: $n`), so they are measured for each execution with
 * the Pothos complexity rule (connections count their children once per requested row).
 */
import { createComplexityRule } from '@pothos/plugin-complexity';
import {
  type ASTNode,
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  parse,
  TypeInfo,
  type ValidationRule,
  validate,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config.js';
import { stableJson } from './variables-key.js';

const tooComplex = (message: string) =>
  new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX' } });

/**
 * Counts aliases and directives in a document (a dozen lines; graphql-armor's rules would bring
 * their own error codes).
 */
function countLimitRule(limits: Config['limits']): ValidationRule {
  return (context) => {
    let aliases = 0;
    let directives = 0;
    return {
      Field(node) {
        if (node.alias && ++aliases === limits.maxAliases + 1) {
          context.reportError(
            tooComplex(`The operation uses more than ${limits.maxAliases} aliases`),
          );
        }
      },
      Directive() {
        if (++directives === limits.maxDirectives + 1) {
          context.reportError(
            tooComplex(`The operation uses more than ${limits.maxDirectives} directives`),
          );
        }
      },
    };
  };
}

/** Deeper than any real document, far shallower than the parser's recursion can go. */
export const MAX_DOCUMENT_NESTING = 64;

/**
 * Whether brackets (`{`, `[`, `(`) nest deeper than `max` outside strings and comments: a scan
 * before parsing, since graphql-js parses nested lists, objects and selections recursively and
 * 2,000 levels overflow the stack before the token limit is reached.
 */
export function documentNestsDeeperThan(source: string, max = MAX_DOCUMENT_NESTING): boolean {
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 0x7b || c === 0x5b || c === 0x28) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d || c === 0x29) {
      depth--;
    } else if (c === 0x23) {
      // A comment runs to the end of the line.
      while (i < source.length && source.charCodeAt(i) !== 0x0a && source.charCodeAt(i) !== 0x0d)
        i++;
    } else if (c === 0x22) {
      if (source.startsWith('"""', i)) {
        // A block string ends at the next unescaped triple quote.
        i += 3;
        while (i < source.length && !source.startsWith('"""', i))
          i += source.startsWith('\\"""', i) ? 4 : 1;
        i += 2;
      } else {
        i++;
        while (
          i < source.length &&
          source.charCodeAt(i) !== 0x22 &&
          source.charCodeAt(i) !== 0x0a
        ) {
          if (source.charCodeAt(i) === 0x5c) i++;
          i++;
        }
      }
    }
  }
  return false;
}

/** graphql-js's parse within the limits: nesting first, then the token count. */
export function parseWithinLimits(
  source: string,
  limits: Config['limits'],
  parseFn: (source: string, options: { maxTokens: number }) => DocumentNode = parse,
): DocumentNode {
  // Room for every selection MAX_DEPTH allows, with arguments inside, should it be raised.
  const maxNesting = Math.max(MAX_DOCUMENT_NESTING, limits.maxDepth * 2);
  if (documentNestsDeeperThan(source, maxNesting)) {
    throw tooComplex(`The document nests deeper than ${maxNesting} levels`);
  }
  try {
    return parseFn(source, { maxTokens: limits.maxTokens });
  } catch (error) {
    if (error instanceof GraphQLError && /tokens\. Parsing aborted/.test(error.message)) {
      throw tooComplex(`The document has more than ${limits.maxTokens} tokens`);
    }
    throw error;
  }
}

const costs = new WeakMap<object, number>();

interface Measure {
  readonly complexity: number;
  readonly depth: number;
}

/**
 * Complexity and depth per document (yoga hands the same parsed document for the same text)
 * and operation + variables: measuring walks the whole document, a few per cent of an uncached
 * request's CPU, and the answer depends on nothing else (complexities use arguments only).
 * The key holds only the variables the cost can depend on (variablesThatCount); when those are
 * past a small key, the operation is measured every time rather than copied into a key.
 */
const measured = new WeakMap<DocumentNode, LRUCache<string, Measure>>();
const MEASURE_KEY_VALUES = 200;
const MEASURE_KEY_CHARS = 1024;

const counting = new WeakMap<DocumentNode, ReadonlySet<string>>();

/**
 * The variables a document's complexity can depend on: those in the arguments of fields whose
 * complexity is a function of their arguments (connections: `first`, `last`) and in `@skip` /
 * `@include`. Only they go into the memo's key, so a bulk input of 1,000 rows (8,000 values, no
 * bearing on the cost) neither blocks the memo nor is coerced again for every request.
 */
export function variablesThatCount(
  schema: GraphQLSchema,
  document: DocumentNode,
): ReadonlySet<string> {
  let names = counting.get(document);
  if (names) return names;
  const found = new Set<string>();
  const collect = (node: ASTNode) =>
    visit(node, {
      Variable(variable) {
        found.add(variable.name.value);
      },
    });
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const complexity = typeInfo.getFieldDef()?.extensions?.complexity;
        if (typeof complexity === 'function')
          for (const argument of node.arguments ?? []) collect(argument);
      },
      Directive(node) {
        if (node.name.value === 'skip' || node.name.value === 'include') collect(node);
      },
    }),
  );
  names = found;
  counting.set(document, names);
  return names;
}

function measure(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null,
  variableValues: Record<string, unknown>,
  context: object,
): Measure {
  const counted: Record<string, unknown> = {};
  for (const name of variablesThatCount(schema, document)) counted[name] = variableValues[name];
  const variables = stableJson(counted, MEASURE_KEY_VALUES, MEASURE_KEY_CHARS);
  const key = variables === undefined ? undefined : `${operationName ?? ''}\n${variables}`;
  let forDocument = measured.get(document);
  const known = key === undefined ? undefined : forDocument?.get(key);
  if (known) return known;
  let result: Measure = { complexity: 0, depth: 0 };
  validate(schema, document, [
    createComplexityRule({
      context,
      variableValues,
      operationName,
      validate: ({ complexity, depth }) => {
        result = { complexity, depth };
      },
    }),
  ]);
  if (key === undefined) return result;
  forDocument ??= new LRUCache<string, Measure>({ max: 200 });
  measured.set(document, forDocument);
  forDocument.set(key, result);
  return result;
}

/** The complexity measured for the operation running with `context` (for rate limiting). */
export function operationCost(context: object): number | undefined {
  return costs.get(context);
}

export function useQueryLimits(limits: Config['limits']): Plugin {
  return {
    onParse({ setParseFn, parseFn }) {
      // graphql-js stops lexing at maxTokens, so a huge document costs nothing to refuse.
      setParseFn((source, options) =>
        parseWithinLimits(
          String(typeof source === 'string' ? source : source.body),
          limits,
          (text, bounds) => parseFn(text, { ...options, ...bounds }),
        ),
      );
    },
    onValidate({ addValidationRule }) {
      addValidationRule(countLimitRule(limits));
    },
    onExecute({ args, setResultAndStopExecution }) {
      const { complexity, depth } = measure(
        args.schema,
        args.document,
        args.operationName ?? null,
        (args.variableValues ?? {}) as Record<string, unknown>,
        args.contextValue as object,
      );
      costs.set(args.contextValue as object, complexity);
      if (depth > limits.maxDepth) {
        setResultAndStopExecution({
          errors: [tooComplex(`Query depth ${depth} exceeds the limit of ${limits.maxDepth}`)],
        });
      } else if (complexity > limits.maxComplexity) {
        setResultAndStopExecution({
          errors: [
            tooComplex(
              `Query complexity ${complexity} exceeds the limit of ${limits.maxComplexity}`,
            ),
          ],
        });
      }
    },
  };
}
