import type { Usage } from './openai/chat.types';

/**
 * Usage as an upstream reported it is input from outside, like a request body: a provider (or a
 * proxy in between, or a bug) can send `usage: {}`, strings, negatives, fractions or 1e300. Cost,
 * budgets, metrics and the usage table only ever see what `trustedUsage` returns: finite,
 * non-negative integers, with the gateway's own estimate standing in for any count that is
 * missing or absurd, and `estimated` saying so.
 */

/** No single request is billed for more tokens than this (10× the largest context window today). */
export const MAX_REPORTED_TOKENS = 20_000_000;

export interface UsageEstimate {
  promptTokens: number;
  /** A count, or a function computing it — called only when the reported count is unusable. */
  completionTokens: number | (() => number);
}

export interface TrustedUsage {
  usage: Usage;
  /** True when any count came from the gateway's estimate instead of the upstream. */
  estimated: boolean;
}

/** A token count as reported, or null when it is not a finite, non-negative, sane number. */
export function tokenCount(value: unknown): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_REPORTED_TOKENS)
    return null;
  return Math.round(value);
}

function finiteEstimate(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.min(MAX_REPORTED_TOKENS, Math.ceil(value)) : 0;
}

/**
 * The usage to bill: the upstream's counts where they are valid, the estimate where they are
 * not. Cached prompt tokens are kept only when valid and never exceed the prompt.
 */
export function trustedUsage(reported: unknown, estimate: UsageEstimate): TrustedUsage {
  const raw = (typeof reported === 'object' && reported !== null ? reported : {}) as Partial<
    Record<keyof Usage, unknown>
  >;
  const prompt = tokenCount(raw.prompt_tokens);
  const completion = tokenCount(raw.completion_tokens);
  const promptTokens = prompt ?? finiteEstimate(estimate.promptTokens);
  const completionTokens =
    completion ??
    finiteEstimate(
      typeof estimate.completionTokens === 'function'
        ? estimate.completionTokens()
        : estimate.completionTokens,
    );
  const usage: Usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
  const promptDetails = tokenDetails(raw.prompt_tokens_details, promptTokens);
  if (promptDetails) usage.prompt_tokens_details = promptDetails;
  const completionDetails = tokenDetails(raw.completion_tokens_details, completionTokens);
  if (completionDetails) usage.completion_tokens_details = completionDetails;
  return { usage, estimated: prompt === null || completion === null };
}

/** The valid counts of a `*_tokens_details` object (cached, reasoning, audio…), each ≤ `ceiling`. */
function tokenDetails(value: unknown, ceiling: number): Record<string, number> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  let details: Record<string, number> | undefined;
  let seen = 0;
  for (const name in value) {
    if (++seen > 16) break;
    if (!Object.hasOwn(value, name)) continue;
    const tokens = tokenCount((value as Record<string, unknown>)[name]);
    if (tokens === null || !/^[a-z_]{1,40}$/.test(name)) continue;
    details ??= {};
    details[name] = Math.min(tokens, ceiling);
  }
  return details;
}
