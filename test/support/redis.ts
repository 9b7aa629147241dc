import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';

/**
 * Tests of the Redis paths talk to the real server named by REDIS_URL (CI sets it), each under a
 * key prefix of its own, deleted afterwards.
 */
export const SERVER_REDIS_URL = process.env.REDIS_URL;

export const describeIfRedis: jest.Describe = SERVER_REDIS_URL ? describe : describe.skip;

export function uniqueRedisPrefix(): string {
  return `mmtest:${Date.now().toString(36)}:${randomBytes(3).toString('hex')}:`;
}

/** Deletes every key under `prefix` (SCAN, not KEYS, so a busy server is not blocked). */
export async function deleteRedisPrefix(prefix: string): Promise<void> {
  if (!SERVER_REDIS_URL) return;
  const client = new Redis(SERVER_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
