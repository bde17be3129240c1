/**
 * An OpenTelemetry span per executed operation, continuing the caller's trace when the request
 * carries a `traceparent`; DataLoader batches and SQL statements open theirs inside it
 * (grouped-loader.ts, guarded-sql.ts). Through @opentelemetry/api only: with no tracer provider
 * registered (no OTLP endpoint configured) every span is a no-op.
 */
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { type ExecutionResult, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { contextFrom } from '../telemetry.js';
import { codeOf } from './errors.js';

const tracer = trace.getTracer('ledgerline');

export function useTracing(): Plugin {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const operation = getOperationAST(args.document, args.operationName);
      const name = operation?.name?.value ?? 'anonymous';
      const type = operation?.operation ?? 'query';
      const request = (args.contextValue as { request?: Request }).request;
      const parent = request ? contextFrom(request.headers) : undefined;
      setExecuteFn((executionArgs) =>
        tracer.startActiveSpan(
          `graphql ${type} ${name}`,
          {
            kind: SpanKind.SERVER,
            attributes: { 'graphql.operation.name': name, 'graphql.operation.type': type },
          },
          parent ?? context.active(),
          async (span) => {
            try {
              const result = (await executeFn(executionArgs)) as ExecutionResult;
              if (result.errors?.length) {
                span.setStatus({
                  code: SpanStatusCode.ERROR,
                  message: result.errors.map((e) => codeOf(e) ?? 'ERROR').join(','),
                });
              }
              return result;
            } finally {
              span.end();
            }
          },
        ),
      );
    },
  };
}
