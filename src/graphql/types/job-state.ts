import { builder } from '../builder.js';

export const JobStateEnum = builder.enumType('JobState', {
  values: ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const,
});
