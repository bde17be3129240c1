/**
 * OpenTelemetry tracing for the process, only when OTEL_EXPORTER_OTLP_ENDPOINT is set: spans go
 * to that collector over OTLP/HTTP in batches. Without it nothing is registered and the spans
 * in the code cost a no-op call.
 */
import { trace } from '@opentelemetry/api';
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
  if (!enabled) return run();
  return tracer.startActiveSpan(name, async (span) => {
    span.setAttribute(attribute[0], attribute[1]);
    try {
      return await run();
    } finally {
      span.end();
    }
  });
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
  if (!config.endpoint) return undefined;
  const [
    { OTLPTraceExporter },
    { resourceFromAttributes },
    { BatchSpanProcessor },
    { NodeTracerProvider },
  ] = await Promise.all([
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/sdk-trace-node'),
  ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: config.endpoint }))],
  });
  // Sets the global provider and an AsyncLocalStorage context manager, so spans nest.
  provider.register();
  enabled = true;
  return {
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      enabled = false;
      await provider.shutdown();
    },
  };
}
