/** Bulk data straight into the test database, for tests that need volume rather than the API. */
import postgres from 'postgres';

export async function withSql<T>(url: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end();
  }
}

/** The numeric id inside a global ID. */
export function dbId(globalId: string): number {
  return Number(Buffer.from(globalId, 'base64').toString('utf8').split(':')[1]);
}

export function globalId(type: string, id: number): string {
  return Buffer.from(`${type}:${id}`).toString('base64');
}

/** An uncategorized expense of 1.00 as `insertExpensesWithJobs` takes it (a suggestion job each). */
export function pendingExpense(userId: number, expenseDate: string, description: string) {
  return {
    userId,
    amount: '1.00',
    currency: null,
    description,
    merchant: null,
    expenseDate,
    categoryId: null,
    categorySource: 'PENDING' as const,
  };
}
