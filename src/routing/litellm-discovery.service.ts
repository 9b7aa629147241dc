import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { discoveredModels, readModelIds, readModelInfo } from './litellm-discovery';
import { ModelCatalog } from './model-catalog';

/** One discovery request may take this long before it is abandoned (the next round tries again). */
const DISCOVERY_TIMEOUT_MS = 10_000;

/**
 * Keeps the catalog's LiteLLM models current (LITELLM_BASE_URL): reads the proxy's /v1/models
 * and /model/info at start-up (before the gateway listens) and every LITELLM_DISCOVERY_INTERVAL_MS.
 * LITELLM_MODELS replaces the /v1/models list (for proxies that hide it). A failed read keeps the
 * previous list and is logged; it never stops the gateway.
 */
@Injectable()
export class LiteLLMDiscoveryService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('LiteLLMDiscovery');
  private timer: NodeJS.Timeout | null = null;
  private readonly apiBase: string | null;
  private readonly root: string | null;

  constructor(
    @Inject(ModelCatalog) private readonly catalog: ModelCatalog,
    private readonly config: AppConfig,
  ) {
    const baseUrl = config.providers.litellm.baseUrl;
    this.root = baseUrl ? baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '') : null;
    this.apiBase = this.root ? `${this.root}/v1` : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.root) return;
    await this.refresh();
    const interval = this.config.providers.litellm.discoveryIntervalMs;
    if (interval > 0) {
      this.timer = setInterval(() => void this.refresh(), interval);
      this.timer.unref();
    }
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One discovery round; resolves to the number of models now known (never rejects). */
  async refresh(): Promise<number> {
    if (!this.root || !this.apiBase) return 0;
    const listed = this.config.providers.litellm.staticModels;
    try {
      const ids = listed.length > 0 ? listed : readModelIds(await this.get(`${this.apiBase}/models`));
      let info: ReturnType<typeof readModelInfo> = new Map();
      try {
        info = readModelInfo(await this.get(`${this.root}/model/info`));
      } catch (error) {
        // Optional endpoint (older proxies, or a key without access): prices stay estimated.
        this.logger.debug(`/model/info not available: ${(error as Error).message}`);
      }
      this.catalog.setDiscovered(discoveredModels(ids, info, this.catalog));
      return ids.length;
    } catch (error) {
      this.logger.warn(
        `LiteLLM model discovery failed, keeping the previous list: ${(error as Error).message}`,
      );
      return this.catalog.discoveredList().length;
    }
  }

  private async get(url: string): Promise<unknown> {
    const apiKey = this.config.providers.litellm.apiKey;
    const response = await fetch(url, {
      headers: { accept: 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
      signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`GET ${new URL(url).pathname} answered ${response.status}`);
    }
    return (await response.json()) as unknown;
  }
}
