import type { Registry } from 'prom-client';

/** Prometheus text exposition of the instance's registry. */
export async function metrics(registry: Registry): Promise<Response> {
  return new Response(await registry.metrics(), {
    headers: { 'content-type': registry.contentType },
  });
}
