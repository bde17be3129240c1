/**
 * OpenTelemetry tracing for the process, only when an OTLP endpoint is configured (config.ts reads
 * the standard OTEL_* variables): spans go to the collector over OTLP/HTTP in batches, and W3C
 * trace context is read from incoming requests and sent with webhook deliveries. Without an
 * endpoint nothing is registered and the spans in the code cost a no-op call.
 */
import {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { Config } from './config.js';

let enabled = false;

/** Whether spans are being recorded; the hot paths skip making them otherwise. */
export function tracingEnabled(): boolean {
  return enabled;
}

const tracer = trace.getTracer('ledgerline');

/** Runs `run` inside a span named `name` with one numeric attribute (a no-op unless tracing). */
export function inSpan<T>(
  name: string,
  attribute: readonly [key: string, value: number],
  run: () => Promise<T>,
): Promise<T> {
  // Checked here too: the hot paths (every DataLoader batch) allocate nothing when not tracing.
  if (!enabled) return run();
  return withSpan(name, { attributes: { [attribute[0]]: attribute[1] } }, run);
}

/**
 * Runs `run` in a span of its own, in the active trace (a no-op unless tracing). A throw marks the
 * span as failed.
 */
export function withSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes },
  run: (setAttributes: (attributes: Attributes) => void) => Promise<T>,
): Promise<T> {
  if (!enabled) return run(() => {});
  return tracer.startActiveSpan(
    name,
    {
      ...(options.kind === undefined ? {} : { kind: options.kind }),
      attributes: options.attributes ?? {},
    },
    async (span) => {
      try {
        return await run((attributes) => span.setAttributes(attributes));
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** The trace context a caller sent (`traceparent`), to continue their trace. */
export function contextFrom(headers: { get(name: string): string | null }): Context {
  if (!enabled) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, headers, {
    get: (carrier, key) => carrier.get(key) ?? undefined,
    keys: () => [],
  });
}

/** Headers that carry the current trace to the next service (`traceparent`, `tracestate`). */
export function traceHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  if (enabled) propagation.inject(context.active(), headers);
  return headers;
}

export interface Tracing {
  /** Exports the spans still buffered now. */
  flush(): Promise<void>;
  /** Flushes spans still buffered and stops exporting. */
  shutdown(): Promise<void>;
}

/**
 * Starts exporting spans when an endpoint is configured. The SDK is imported only then: a
 * process that does not trace does not load (or keep in memory) the exporter and its
 * dependencies.
 */
export async function startTracing(config: Config['telemetry']): Promise<Tracing | undefined> {
  if (!config.tracesEndpoint) return undefined;
  const [
    { W3CTraceContextPropagator },
    { OTLPTraceExporter },
    { resourceFromAttributes },
    { BatchSpanProcessor },
    { NodeTracerProvider },
  ] = await Promise.all([
    import('@opentelemetry/core'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/sdk-trace-node'),
  ]);
  const exporter = new OTLPTraceExporter({
    url: config.tracesEndpoint,
    headers: { ...config.headers },
  });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  // Sets the global provider, an AsyncLocalStorage context manager (so spans nest) and W3C
  // trace context as the propagator.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  enabled = true;
  return {
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      enabled = false;
      await provider.shutdown();
    },
  };
}
