/**
 * Refuses NUL characters in any string input (literal or variable) with BAD_USER_INPUT before
 * execution: Postgres text cannot hold them, so they would otherwise fail deep in a resolver.
 */
import { GraphQLError, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const nulError = () =>
  new GraphQLError('Strings must not contain NUL (\\u0000) characters', {
    extensions: { code: 'BAD_USER_INPUT' },
  });

/**
 * Whether any string in the variables holds a NUL, in a pass that allocates nothing but each
 * object's key list. Recursion is bounded: variables nest at most MAX_JSON_DEPTH levels
 * (variables-guard.ts refuses deeper ones before execution).
 */
function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasNul(value[i])) return true;
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (hasNul(record[key])) return true;
  return false;
}

const literalRule: ValidationRule = (context) => ({
  StringValue(node) {
    if (node.value.includes('\u0000')) context.reportError(nulError());
  },
});

export function useInputGuard(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(literalRule);
    },
    onExecute({ args, setResultAndStopExecution }) {
      if (hasNul(args.variableValues)) setResultAndStopExecution({ errors: [nulError()] });
    },
  };
}
