/** Imports every type module (each registers itself on the builder) and builds the schema. */
import { builder } from './builder.js';
import './types/category-source.js';
import './types/expense-order.js';
import './types/expense-filter.js';
import './types/delete-payload.js';
import './types/expense.js';
import './types/category.js';
import './types/user.js';
import './types/category-spend.js';
import './types/spending-summary.js';
import './types/daily-metric.js';
import './types/job-state.js';
import './types/job.js';
import './types/export-format.js';
import './types/export.js';
import './types/expense-change.js';
import './types/settings.js';
import './types/rate-limit.js';

export const schema = builder.toSchema({ sortSchema: false });
