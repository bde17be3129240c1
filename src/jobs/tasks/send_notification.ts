/**
 * send_notification: POSTs an event to the user's webhook URL with a timeout. A 4xx answer is
 * permanent (the URL or the receiver refuses us); 5xx, timeouts and network errors are retried
 * with graphile-worker's exponential backoff.
 */
import { eq } from 'drizzle-orm';
import { users } from '../../db/schema/users.js';
import { encodeGlobalId } from '../../ids.js';
import { cliTask, defineTask, PermanentJobError } from '../define-task.js';

export const sendNotificationTask = defineTask(
  'send_notification',
  async ({ userId, event, data }, { runtime }) => {
    const [user] = await runtime.db
      .select({ url: users.notificationWebhookUrl })
      .from(users)
      .where(eq(users.id, userId));
    if (!user?.url) return { delivered: false, reason: 'no webhook configured' };
    let response: Response;
    try {
      response = await fetch(user.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'ledgerline-notifications' },
        body: JSON.stringify({
          event,
          user: encodeGlobalId('User', userId),
          data,
          sentAt: new Date().toISOString(),
        }),
        signal: AbortSignal.timeout(runtime.config.worker.notificationTimeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      throw new Error(`Webhook unreachable: ${(error as Error).message}`);
    }
    await response.body?.cancel();
    if (response.status >= 400 && response.status < 500) {
      throw new PermanentJobError(`Webhook refused the notification with HTTP ${response.status}`);
    }
    if (!response.ok) throw new Error(`Webhook answered HTTP ${response.status}`);
    return { delivered: true, status: response.status };
  },
);

export default cliTask(sendNotificationTask);
