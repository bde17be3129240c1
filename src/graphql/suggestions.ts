/**
 * "Did you mean …?" hints, removed when introspection is off (they would reveal, one guess at a
 * time, what it hides). graphql-armor's block-field-suggestions plugin, used before, matches only
 * `Did you mean "x"?` in validation errors: enum values ("Did you mean the enum value …?"), in
 * literals and in variables (an execution error), got through (test/integration/
 * protection.production-mode.test.ts covers fields, arguments and both enum cases).
 */
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/** The error without its suggestion (the same error when it had none). */
export function withoutSuggestions(error: GraphQLError): GraphQLError {
  const message = error.message.replace(SUGGESTION, '');
  return message === error.message
    ? error
    : new GraphQLError(message, {
        nodes: error.nodes,
        source: error.source,
        positions: error.positions,
        path: error.path,
        extensions: error.extensions,
      });
}

/** Validation errors without suggestions (execution errors: createMaskError). */
export function useHideSuggestions(): Plugin {
  return {
    onValidate: () =>
      function onValidateEnd({ valid, result, setResult }) {
        if (!valid) {
          setResult(
            result.map((error) =>
              error instanceof GraphQLError ? withoutSuggestions(error) : error,
            ),
          );
        }
      },
  };
}
