import { costNanoUsd } from '../../common/pricing';
import type { ProviderExecutor } from '../../providers/provider.types';
import type { ProviderTarget } from '../../providers/provider.types';
import type { Embedder, EmbedderResult } from './semantic.types';

/**
 * A provider embedding model as the semantic cache's embedder (e.g. text-embedding-3-small):
 * called through the provider executor (retries, circuit breakers), vectors L2-normalised, and
 * the call's cost returned so that the chat pipeline bills it to the tenant whose request it was.
 */
export class ProviderEmbedder implements Embedder {
  readonly id: string;

  constructor(
    private readonly executor: ProviderExecutor,
    private readonly target: ProviderTarget,
    private readonly pricePerMillion: number,
    readonly dimensions: number,
  ) {
    this.id = `${target.provider}:${target.model}:${dimensions}`;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<EmbedderResult> {
    const execution = await this.executor.embed(
      [this.target],
      { input: [...texts] },
      {
        signal: signal ?? new AbortController().signal,
        requestId: 'semantic-cache',
        embeddingDimensions: this.dimensions,
      },
    );
    const vectors = execution.result.vectors.map((values) => {
      const vector = Float32Array.from(values);
      let norm = 0;
      for (const value of vector) norm += value * value;
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let i = 0; i < vector.length; i++) vector[i] *= scale;
      return vector;
    });
    const tokens =
      execution.result.promptTokens ?? texts.reduce((sum, text) => sum + Math.ceil(text.length / 4), 0);
    return {
      vectors,
      costNano: costNanoUsd(
        { input: this.pricePerMillion, output: 0 },
        { promptTokens: tokens, completionTokens: 0 },
      ),
    };
  }
}
