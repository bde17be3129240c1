// drizzle-kit reads the whole schema from here; application code imports the table files.
export * from './categories.js';
export * from './category-keywords.js';
export * from './expenses.js';
export * from './users.js';
