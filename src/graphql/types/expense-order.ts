import { builder } from '../builder.js';

export const ExpenseOrderEnum = builder.enumType('ExpenseOrder', {
  values: ['DATE_DESC', 'DATE_ASC', 'AMOUNT_DESC', 'AMOUNT_ASC', 'CREATED_DESC'] as const,
});
