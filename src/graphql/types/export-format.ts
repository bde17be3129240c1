import { builder } from '../builder.js';

export const ExportFormatEnum = builder.enumType('ExportFormat', {
  values: ['CSV', 'JSON'] as const,
});
