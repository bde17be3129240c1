import { defineConfig } from 'drizzle-kit';

// drizzle-kit only: `npm run db:generate` diffs src/db/schema against drizzle/.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/index.ts',
  out: './drizzle',
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
});
