/**
 * OpenTelemetry tracing for the process, only when OTEL_EXPORTER_OTLP_ENDPOINT is set: spans go
 * to that collector over OTLP/HTTP in batches. Without it nothing is registered and the spans
 * in the code cost a no-op call.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Config } from './config.js';

let enabled = false;

/** Whether spans are being recorded; the hot paths skip making them otherwise. */
export function tracingEnabled(): boolean {
  return enabled;
}

export interface Tracing {
  /** Exports the spans still buffered now. */
  flush(): Promise<void>;
  /** Flushes spans still buffered and stops exporting. */
  shutdown(): Promise<void>;
}

export function startTracing(config: Config['telemetry']): Tracing | undefined {
  if (!config.endpoint) return undefined;
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
