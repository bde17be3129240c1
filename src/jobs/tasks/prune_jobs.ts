/** prune_jobs (daily, crontab): deletes finished job records (and their exports) past retention. */
import { pruneJobRecords } from '../../db/queries/jobs.js';
import { cliTask, defineTask } from '../define-task.js';

export const pruneJobsTask = defineTask('prune_jobs', async (_payload, { runtime }) => ({
  pruned: await pruneJobRecords(runtime.db, runtime.config.worker.retentionDays),
}));

export default cliTask(pruneJobsTask);
