import type { ChatCompletionRequest, Usage } from '../common/openai/chat.types';
import type { IntentResult } from '../common/intent-labels';
import type { ProviderKey } from '../common/provider-keys';

// The label vocabulary and the result shape are shared with routing, policy and chat: they live
// in common/ (below all of them) and are re-exported here for the intent module's own files.
export { INTENT_LABELS, isIntentLabel } from '../common/intent-labels';
export type { IntentLabel, IntentMethod, IntentResult, IntentSignals } from '../common/intent-labels';

/**
 * A model call the classifier made on the request's behalf (the cheap-LLM fallback): reported so
 * that the caller can bill it to the request's tenant. Reported when the call ends, also when it
 * ends after the classifier stopped waiting for it (a provider bills a call that timed out here).
 */
export interface ClassifierModelCall extends ModelRef {
  usage: Usage;
  /** True when the provider reported no valid usage and it was estimated. */
  estimated: boolean;
}

export interface ClassifyOptions {
  onModelCall?: (call: ClassifierModelCall) => void;
  /**
   * Whether the classifier may call this model on the request's behalf: the tenant's policy
   * allows it (providers, models, exclusions) and its budget is not spent. The fallback and the
   * safety review skip a model it refuses: a tenant kept to one provider never has its prompt
   * sent to another one to be classified.
   */
  mayUseModel?: (target: ModelRef) => boolean;
}

/** A model by provider and catalog id. */
export interface ModelRef {
  provider: ProviderKey;
  /** Catalog id. */
  model: string;
}

/** The contract the chat pipeline and the router depend on. */
export interface IntentClassifier {
  classify(request: ChatCompletionRequest, options?: ClassifyOptions): Promise<IntentResult>;
}

/** DI token for the IntentClassifier implementation. */
export const INTENT_CLASSIFIER = Symbol('INTENT_CLASSIFIER');
