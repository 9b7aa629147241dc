/**
 * Money is integer nano-dollars (1 USD = 1e9 nUSD) everywhere inside ModelMuxer: exact,
 * additive, and safe in a JS number up to ~9 million USD. Prices are USD per 1M tokens, so
 * tokens × price is micro-dollars and × 1000 is nano-dollars.
 */
export const NANO_USD_PER_USD = 1_000_000_000;

/** USD per 1M tokens. */
export interface ModelPricing {
  input: number;
  output: number;
  /** Price of cached input tokens, where the provider has one. */
  cached_input?: number;
}

export interface TokenCounts {
  promptTokens: number;
  /** Prompt tokens served from the provider's prompt cache (a subset of promptTokens). */
  cachedPromptTokens?: number;
  completionTokens: number;
}

export function costNanoUsd(pricing: ModelPricing, tokens: TokenCounts): number {
  const prompt = Math.max(0, tokens.promptTokens);
  const cached = Math.min(prompt, Math.max(0, tokens.cachedPromptTokens ?? 0));
  const completion = Math.max(0, tokens.completionTokens);
  const cachedPrice = pricing.cached_input ?? pricing.input;
  const microUsd = (prompt - cached) * pricing.input + cached * cachedPrice + completion * pricing.output;
  return Math.round(microUsd * 1000);
}

export function nanoToUsd(nano: number): number {
  return nano / NANO_USD_PER_USD;
}

export function usdToNano(usd: number): number {
  return Math.round(usd * NANO_USD_PER_USD);
}
