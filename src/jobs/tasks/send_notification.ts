/**
 * send_notification: POSTs an event to the user's webhook URL, signed, with a timeout, to public
 * addresses only (webhook-delivery.ts). A 4xx answer or a non-public target is permanent; 5xx,
 * timeouts and network errors are retried with graphile-worker's exponential backoff.
 */
import { eq } from 'drizzle-orm';
import { updateUserSettings } from '../../db/queries/users.js';
import { users } from '../../db/schema/users.js';
import { encodeGlobalId } from '../../domain/ids.js';
import { cliTask, defineTask, PermanentJobError } from '../define-task.js';
import { deliverWebhook, newWebhookSecret, WebhookTargetError } from '../webhook-delivery.js';

export const sendNotificationTask = defineTask(
  'send_notification',
  async ({ userId, event, data }, { runtime }) => {
    const [user] = await runtime.db
      .select({ url: users.notificationWebhookUrl, secret: users.notificationWebhookSecret })
      .from(users)
      .where(eq(users.id, userId));
    if (!user?.url) return { delivered: false, reason: 'no webhook configured' };
    // A URL saved before deliveries were signed gets its secret now (shown in its settings).
    const secret =
      user.secret ??
      (await updateUserSettings(runtime.db, userId, {}, newWebhookSecret()))
        ?.notificationWebhookSecret;
    if (!secret) return { delivered: false, reason: 'the user no longer exists' };
    let status: number;
    try {
      status = await deliverWebhook({
        url: user.url,
        secret,
        body: JSON.stringify({
          event,
          user: encodeGlobalId('User', userId),
          data,
          sentAt: new Date().toISOString(),
        }),
        timeoutMs: runtime.config.worker.notificationTimeoutMs,
        allowPrivate: runtime.config.webhookAllowPrivateHosts,
      });
    } catch (error) {
      if (error instanceof WebhookTargetError) throw new PermanentJobError(error.message);
      throw new Error(`Webhook unreachable: ${(error as Error).message}`);
    }
    if (status >= 400 && status < 500) {
      throw new PermanentJobError(`Webhook refused the notification with HTTP ${status}`);
    }
    if (status < 200 || status >= 300) throw new Error(`Webhook answered HTTP ${status}`);
    return { delivered: true, status };
  },
);

export default cliTask(sendNotificationTask);
