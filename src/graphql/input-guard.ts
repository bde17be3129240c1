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

function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 20 || value === null || typeof value !== 'object') return false;
  const items = Array.isArray(value) ? value : Object.values(value);
  return items.some((item) => hasNul(item, depth + 1));
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
