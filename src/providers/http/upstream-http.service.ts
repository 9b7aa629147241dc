import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'undici';
import { AppConfig } from '../../config/app-config';
import type { ProviderKey } from '../../common/provider-keys';
import type { UpstreamEndpoint } from './upstream-exchange';

/** How long an idle keep-alive connection stays open (upstreams usually allow 60 s or more). */
const KEEP_ALIVE_MS = 30_000;

/**
 * Owns one undici Pool per provider: keep-alive connections, at most
 * config.providers.maxConnections each, connect timeout from config. Adapters get an
 * UpstreamEndpoint (pool + base path + fixed headers) once, at start-up.
 */
@Injectable()
export class UpstreamHttpService implements OnApplicationShutdown {
  private readonly pools = new Map<ProviderKey, Pool>();

  constructor(private readonly config: AppConfig) {}

  /**
   * The endpoint of a provider at `baseUrl` (origin + optional path prefix). `headers` are sent
   * with every request (auth, version); content-type is added here.
   */
  endpoint(provider: ProviderKey, baseUrl: string, headers: Record<string, string>): UpstreamEndpoint {
    const url = new URL(baseUrl);
    let pool = this.pools.get(provider);
    if (!pool) {
      const { connectMs } = this.config.providers.timeouts;
      pool = new Pool(url.origin, {
        connections: this.config.providers.maxConnections,
        connect: { timeout: connectMs },
        keepAliveTimeout: KEEP_ALIVE_MS,
        keepAliveMaxTimeout: KEEP_ALIVE_MS * 2,
      });
      this.pools.set(provider, pool);
    }
    const { firstByteMs, totalMs } = this.config.providers.timeouts;
    return {
      provider,
      dispatcher: pool,
      basePath: url.pathname.replace(/\/+$/, ''),
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      firstByteMs,
      totalMs,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    // destroy(), not close(): in-flight upstream streams belong to clients that are gone by now.
    await Promise.all(pools.map((pool) => pool.destroy()));
  }
}
