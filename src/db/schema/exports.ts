import {
  bigint,
  customType,
  date,
  index,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
} from 'drizzle-orm/pg-core';
import { identity, timestamps } from './columns.js';
import { jobs } from './jobs.js';
import { users } from './users.js';

export const exportFormat = pgEnum('export_format', ['CSV', 'JSON']);

export const exports = pgTable(
  'exports',
  {
    id: identity(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    jobId: bigint('job_id', { mode: 'number' })
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    format: exportFormat('format').notNull(),
    fromDate: date('from_date', { mode: 'string' }),
    toDate: date('to_date', { mode: 'string' }),
    rowCount: integer('row_count'),
    ...timestamps,
  },
  (t) => [index('exports_user_id_idx').on(t.userId, t.id)],
);

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

/** An export's file, in order: written batch by batch, streamed back chunk by chunk. */
export const exportChunks = pgTable(
  'export_chunks',
  {
    exportId: bigint('export_id', { mode: 'number' })
      .notNull()
      .references(() => exports.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    data: bytea('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.exportId, t.seq] })],
);

export type ExportRow = typeof exports.$inferSelect;
