import type { ExpenseFilter } from '../../db/queries/expenses.js';
import { badInput } from '../../domain/errors.js';
import { requireId } from '../../domain/ids.js';
import { compareDecimal } from '../../domain/money.js';
import { builder } from '../builder.js';

export const ExpenseFilterInput = builder.inputType('ExpenseFilter', {
  fields: (t) => ({
    from: t.field({ type: 'Date', description: 'On or after this date.' }),
    to: t.field({ type: 'Date', description: 'On or before this date.' }),
    categoryId: t.id(),
    minAmount: t.field({ type: 'Decimal' }),
    maxAmount: t.field({ type: 'Decimal' }),
    search: t.string({ description: 'Matches description or merchant (case-insensitive).' }),
  }),
});

type FilterInput = typeof ExpenseFilterInput.$inferInput;

/** Validates a filter argument into the form the queries take. */
export function parseExpenseFilter(input: FilterInput | null | undefined): ExpenseFilter {
  if (!input) return {};
  const filter: { -readonly [K in keyof ExpenseFilter]: ExpenseFilter[K] } = {};
  if (input.from != null) filter.from = input.from;
  if (input.to != null) filter.to = input.to;
  if (filter.from && filter.to && filter.from > filter.to) {
    throw badInput('filter.from must not be after filter.to', 'filter.from');
  }
  if (input.categoryId != null) {
    filter.categoryId = requireId(input.categoryId, 'Category', 'filter.categoryId');
  }
  if (input.minAmount != null) filter.minAmount = input.minAmount;
  if (input.maxAmount != null) filter.maxAmount = input.maxAmount;
  if (
    filter.minAmount &&
    filter.maxAmount &&
    compareDecimal(filter.minAmount, filter.maxAmount) > 0
  ) {
    throw badInput('filter.minAmount must not exceed filter.maxAmount', 'filter.minAmount');
  }
  if (input.search != null) {
    const search = input.search.trim();
    if (search.length > 200)
      throw badInput('filter.search must be at most 200 characters', 'filter.search');
    if (search !== '') filter.search = search;
  }
  return filter;
}
