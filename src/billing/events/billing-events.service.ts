import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { REDIS_CLIENT } from '../../redis/redis.module';

/**
 * Changes that other replicas must hear about at once: cached API keys, tenants, budgets,
 * tenant policies, applied routing thresholds and routing experiments.
 * `resync` is emitted locally when the Redis subscription (re)connects, because messages sent
 * while it was down are lost: caches then drop everything and reload.
 */
export type BillingEvent =
  | { type: 'key'; keyHash: string }
  | { type: 'tenant'; tenantId: string }
  | { type: 'budget'; tenantId: string; apiKeyId: string | null }
  | { type: 'policy'; tenantId: string }
  /** The routing thresholds an admin applied (routing/lab/threshold-overrides.service.ts). */
  | { type: 'routing_thresholds' }
  | { type: 'experiment'; tenantId: string }
  | { type: 'resync' };

/**
 * Applies an event. May return a promise (a reload) that publish() waits for on the replica that
 * made the change, so that the change is in force here when the admin call answers.
 */
export type BillingEventListener = (event: BillingEvent) => void | Promise<void>;

interface WireMessage {
  origin: string;
  event: BillingEvent;
}

/**
 * Local fan-out plus Redis pub/sub across replicas (channel `<prefix>billing:events`). Without
 * Redis only this process hears the events, and the caches' short TTLs bound the staleness on
 * other replicas. Publishing never throws and never waits for Redis.
 */
@Injectable()
export class BillingEventsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('BillingEvents');
  private readonly listeners: BillingEventListener[] = [];
  private readonly origin = randomUUID();
  private readonly channel: string;
  private subscriber: Redis | null = null;
  private subscribedOnce = false;

  constructor(
    config: AppConfig,
    @Inject(REDIS_CLIENT) private readonly redis: Redis | null,
  ) {
    this.channel = `${config.redisKeyPrefix}billing:events`;
  }

  get distributed(): boolean {
    return this.redis !== null;
  }

  subscribe(listener: BillingEventListener): void {
    this.listeners.push(listener);
  }

  /**
   * Applies the event here and tells the other replicas; resolves once this replica's listeners
   * have applied it (a budget set through the admin API is enforced here before the call answers:
   * a request right after it is never counted against the old state). Never rejects.
   */
  async publish(event: BillingEvent): Promise<void> {
    const applied = this.dispatch(event);
    if (this.redis) {
      const message: WireMessage = { origin: this.origin, event };
      this.redis.publish(this.channel, JSON.stringify(message)).catch((error: Error) => {
        this.logger.warn(
          `could not publish ${event.type} invalidation: ${error.message} (other replicas rely on the cache TTL)`,
        );
      });
    }
    await applied;
  }

  async onModuleInit(): Promise<void> {
    if (!this.redis) return;
    // A subscribed connection can do nothing else: use a dedicated one.
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined); // the shared client already logs Redis errors
    subscriber.on('message', (channel: string, payload: string) => {
      if (channel === this.channel) this.onMessage(payload);
    });
    subscriber.on('ready', () => {
      // ioredis re-subscribes by itself after a reconnect; what was sent meanwhile is lost.
      if (this.subscribedOnce) void this.dispatch({ type: 'resync' });
    });
    try {
      await subscriber.subscribe(this.channel);
      this.subscribedOnce = true;
    } catch (error) {
      this.logger.warn(
        `billing events: Redis subscription failed (${(error as Error).message}); caches rely on their TTL`,
      );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = null;
    if (subscriber && subscriber.status !== 'end')
      await subscriber.quit().catch(() => subscriber.disconnect());
  }

  private onMessage(payload: string): void {
    let message: WireMessage;
    try {
      message = JSON.parse(payload) as WireMessage;
    } catch {
      return;
    }
    if (message.origin === this.origin || !message.event || typeof message.event.type !== 'string') return;
    void this.dispatch(message.event);
  }

  private async dispatch(event: BillingEvent): Promise<void> {
    const pending: Array<Promise<void>> = [];
    for (const listener of this.listeners) {
      try {
        const result = listener(event);
        if (result) pending.push(result);
      } catch (error) {
        this.logger.error(`billing event listener failed: ${(error as Error).message}`);
      }
    }
    for (const settled of await Promise.allSettled(pending))
      if (settled.status === 'rejected')
        this.logger.error(`billing event listener failed: ${(settled.reason as Error).message}`);
  }
}
