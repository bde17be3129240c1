// drizzle-kit reads the whole schema from here; application code imports the table files.
export * from './categories.js';
export * from './category-keywords.js';
export * from './daily-metrics.js';
export * from './expenses.js';
export * from './exports.js';
export * from './job-outbox.js';
export * from './jobs.js';
export * from './users.js';
export * from './worker-heartbeats.js';
