import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { OutputEstimates, reservedOutputTokens } from './output-estimate';

/**
 * The per-(tenant, model) output estimate budgets reserve from when a request sets no
 * max_tokens: the observed p99 of completions (a ring per pair, in memory), within
 * RESERVE_OUTPUT_FLOOR_TOKENS and RESERVE_OUTPUT_CAP_TOKENS. Each replica learns from what it
 * serves (replicas converge on the same traffic; none needs the others' samples).
 */
@Injectable()
export class OutputEstimatorService {
  private readonly estimates = new OutputEstimates();
  private readonly bounds: { floor: number; cap: number };

  constructor(config: AppConfig) {
    this.bounds = {
      floor: config.billing.reserveOutputFloorTokens,
      cap: config.billing.reserveOutputCapTokens,
    };
  }

  /** Output tokens per choice to reserve on `model` (never above its ceiling `modelMaxOutput`). */
  outputTokens(tenantId: string, model: string, modelMaxOutput: number): number {
    return reservedOutputTokens(this.estimates.p99(tenantId, model), this.bounds, modelMaxOutput);
  }

  /** A finished completion: its output tokens per choice, and whether it was cut short. */
  observe(tenantId: string, model: string, tokensPerChoice: number, truncated: boolean): void {
    this.estimates.observe(tenantId, model, tokensPerChoice, truncated);
  }
}
