/**
 * Query-safety limits as validation rules, so an over-limit operation fails with
 * QUERY_TOO_COMPLEX before any resolver runs. Complexity and depth come from the Pothos
 * complexity plugin (connections count their children once per requested row); aliases are
 * counted here (a dozen lines; no maintained library offers the rule for yoga alone with our code).
 */
import { createComplexityRule } from '@pothos/plugin-complexity';
import { GraphQLError, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config.js';

const tooComplex = (message: string) =>
  new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX' } });

function aliasLimitRule(max: number): ValidationRule {
  return (context) => {
    let aliases = 0;
    return {
      Field(node) {
        if (node.alias && ++aliases === max + 1) {
          context.reportError(tooComplex(`The operation uses more than ${max} aliases`));
        }
      },
    };
  };
}

export function useQueryLimits(limits: Config['limits']): Plugin {
  return {
    onValidate({ addValidationRule, context }) {
      const { params } = context as { params?: { variables?: unknown; operationName?: string } };
      addValidationRule(aliasLimitRule(limits.maxAliases));
      addValidationRule(
        createComplexityRule({
          context: context as object,
          variableValues: (params?.variables ?? {}) as Record<string, unknown>,
          operationName: params?.operationName ?? null,
          validate: ({ complexity, depth }, reportError) => {
            if (depth > limits.maxDepth) {
              reportError(
                tooComplex(`Query depth ${depth} exceeds the limit of ${limits.maxDepth}`),
              );
            } else if (complexity > limits.maxComplexity) {
              reportError(
                tooComplex(
                  `Query complexity ${complexity} exceeds the limit of ${limits.maxComplexity}`,
                ),
              );
            }
          },
        }),
      );
    },
  };
}
