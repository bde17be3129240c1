/** The Redis client of a gateway or worker process (cache, invalidation channel, rate limits). */
import { createClient, type RedisClientType } from '@redis/client';

/**
 * The longest wait between reconnection attempts. Bounded and short, because an instance that
 * reconnects late holds back what its writes invalidate meanwhile (versions.ts waits this long,
 * twice over, before trusting a restarted Redis).
 */
export const REDIS_RECONNECT_MAX_MS = 1000;

export function createRedisClient(url: string): RedisClientType {
  return createClient({
    url,
    // Fail commands at once while disconnected instead of queueing them; reconnect forever.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2000,
      reconnectStrategy: (retries) => Math.min(retries * 100, REDIS_RECONNECT_MAX_MS),
    },
  }) as RedisClientType;
}
