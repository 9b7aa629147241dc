/** The providers ModelMuxer speaks to. `simulated` is the built-in deterministic provider (TEST_MODE). */
export const PROVIDER_KEYS = ['openai', 'anthropic', 'mistral', 'litellm'] as const;
export type ProviderKey = (typeof PROVIDER_KEYS)[number];

export function isProviderKey(value: string): value is ProviderKey {
  return (PROVIDER_KEYS as readonly string[]).includes(value);
}
