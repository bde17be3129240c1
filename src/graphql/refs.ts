/**
 * Object refs for the node types, declared apart from their implementations so that types can
 * name each other (User -> Category -> Expense -> User) without import cycles.
 */
import type { CategoryRow } from '../db/schema/categories.js';
import type { ExpenseRow } from '../db/schema/expenses.js';
import type { ExportRow } from '../db/schema/exports.js';
import type { JobRow } from '../db/schema/jobs.js';
import type { UserProfile } from '../db/schema/users.js';
import { builder } from './builder.js';

export const UserRef = builder.objectRef<UserProfile>('User');
export const CategoryRef = builder.objectRef<CategoryRow>('Category');
export const ExpenseRef = builder.objectRef<ExpenseRow>('Expense');
export const JobRef = builder.objectRef<JobRow>('Job');
export const ExportRef = builder.objectRef<ExportRow>('Export');
