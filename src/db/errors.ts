/** Postgres errors by kind, wherever in the cause chain (Drizzle wraps the driver's error). */

/** The Postgres error with `code` in the cause chain (Drizzle wraps the driver's error). */
function postgresError(error: unknown, code: string): { constraint_name?: string } | undefined {
  let current: unknown = error;
  while (current && typeof current === 'object') {
    if ((current as { code?: unknown }).code === code) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True for a Postgres unique violation (a race lost to a concurrent insert). */
export function isUniqueViolation(error: unknown): boolean {
  return postgresError(error, '23505') !== undefined;
}

/** The constraint of a Postgres foreign-key violation, if `error` is one. */
export function violatedForeignKey(error: unknown): string | undefined {
  const found = postgresError(error, '23503');
  return found ? (found.constraint_name ?? '') : undefined;
}
