import { builder } from '../builder.js';

export const CategorySourceEnum = builder.enumType('CategorySource', {
  description: 'How an expense got its category.',
  values: {
    MANUAL: { description: 'Chosen by the user.' },
    SUGGESTED: { description: 'Matched from category keywords.' },
    PENDING: { description: 'A suggestion has not run yet.' },
    UNCATEGORIZED: { description: 'No category applies.' },
  } as const,
});
