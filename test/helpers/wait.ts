/** Polls `check` until it returns a value that is not undefined (background work finishing). */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  everyMs = 25,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Polls `check` until it answers true. */
export function until(check: () => Promise<boolean>, timeoutMs?: number): Promise<true> {
  return eventually(async () => ((await check()) ? true : undefined), timeoutMs);
}

/** A one-shot signal between a test and the work it holds open: `fire()` resolves `fired`. */
export function signal(): { fired: Promise<void>; fire: () => void } {
  let fire = () => {};
  const fired = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { fired, fire };
}
