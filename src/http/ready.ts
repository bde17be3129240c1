/** Readiness: Postgres (and Redis, when configured) answer within a short bound. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<unknown>;
}

const TIMEOUT_MS = 2000;

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function ready(checks: readonly ReadinessCheck[]): Promise<Response> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        await within(check(), TIMEOUT_MS);
        return [name, 'ok'] as const;
      } catch {
        return [name, 'unavailable'] as const;
      }
    }),
  );
  const ok = results.every(([, status]) => status === 'ok');
  return Response.json(
    { status: ok ? 'ready' : 'not ready', checks: Object.fromEntries(results) },
    { status: ok ? 200 : 503 },
  );
}
