import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { ServingState } from '../common/serving-state';
import { REDIS_CLIENT } from '../redis/redis.module';
import type { RedisClient } from '../redis/redis.module';
import { registerCollectedGauge, unregisterGauge } from '../telemetry/collected-gauge';
import { METRIC } from '../telemetry/metrics';

/** Each ping's bound: a scrape never waits longer than this for a dead dependency. */
export const DEPENDENCY_PING_TIMEOUT_MS = 1_000;

/** Resolves true when `ping` answered within the bound, false when it failed or timed out. */
export async function answers(ping: () => Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
        timer.unref();
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Two gauges computed when Prometheus scrapes (no cost between scrapes, none on the request path):
 * - modelmuxer_dependency_up{dependency="database"|"redis"}: 1 when a ping answered within 1 s
 *   (redis only when REDIS_URL is set) — what the "database/Redis unavailable" alerts read;
 * - modelmuxer_draining: 1 from SIGTERM on (readiness fails, the process is about to stop).
 */
@Injectable()
export class DependencyMetrics implements OnModuleInit, OnModuleDestroy {
  private gauges: Array<[Gauge<string>, string]> = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly serving: ServingState,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient | null,
  ) {}

  onModuleInit(): void {
    const up = registerCollectedGauge(
      METRIC.dependencyUp,
      'Whether a dependency answered a ping within 1 s at scrape time (database; redis when configured)',
      ['dependency'],
      (gauge) => this.collectUp(gauge),
    );
    const draining = registerCollectedGauge(
      METRIC.draining,
      '1 while the process is draining after SIGTERM (readiness fails, in-flight requests finish)',
      [],
      (gauge) => gauge.set(this.serving.draining ? 1 : 0),
    );
    this.gauges = [
      [up, METRIC.dependencyUp],
      [draining, METRIC.draining],
    ];
  }

  onModuleDestroy(): void {
    for (const [gauge, name] of this.gauges) unregisterGauge(gauge, name);
    this.gauges = [];
  }

  private async collectUp(gauge: Gauge<string>): Promise<void> {
    const redis = this.redis;
    const [database, redisUp] = await Promise.all([
      answers(() => this.dataSource.query('SELECT 1'), DEPENDENCY_PING_TIMEOUT_MS),
      redis ? answers(() => redis.ping(), DEPENDENCY_PING_TIMEOUT_MS) : Promise.resolve(null),
    ]);
    gauge.set({ dependency: 'database' }, database ? 1 : 0);
    if (redisUp !== null) gauge.set({ dependency: 'redis' }, redisUp ? 1 : 0);
  }
}
