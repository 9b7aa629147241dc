import type { ChatMessage, FinishReason } from '../../common/openai/chat.types';
import type { ProviderKey } from '../../common/provider-keys';
import type { ProviderEmbeddingRequest } from '../embedding.types';
import type { StatusOverrides } from '../shared/provider-errors';

/**
 * What happens to one request parameter on its way to an OpenAI-compatible upstream.
 * Never "clamp": a value the upstream cannot honour is either dropped on purpose (documented
 * in `why`) or rejected with a 400 naming the parameter.
 */
export type ParameterRule =
  | { action: 'forward' }
  | { action: 'rename'; to: string }
  | { action: 'drop'; why: string }
  | {
      action: 'reject';
      why: string;
      /** Values that mean "feature off" and are accepted (then not sent), e.g. logprobs: false. */
      neutral?: (value: unknown) => boolean;
    };

/**
 * The declared differences between an OpenAI-compatible upstream and OpenAI itself. The
 * shared base (request/response/stream translation and the adapter) reads only this.
 */
export interface OpenAICompatibleDialect {
  provider: ProviderKey;
  /** Rules for parameters that need one. */
  parameters: Readonly<Record<string, ParameterRule>>;
  /** What happens to parameters without a rule. */
  otherParameters: 'forward' | 'drop';
  /**
   * How streamed usage is obtained: by asking with stream_options.include_usage (OpenAI,
   * LiteLLM), or it is always sent on the last chunk and stream_options is not accepted (Mistral).
   */
  streamUsage: 'stream_options' | 'always';
  /** The upstream's value for OpenAI's tool_choice "required". */
  toolChoiceRequired: 'required' | 'any';
  /**
   * Assistant messages' `thinking_blocks` (Anthropic thinking carried back in a conversation, see
   * /v1/messages): 'forward' for upstreams that pass them on to Claude (LiteLLM); absent = they
   * are removed (OpenAI refuses unknown message fields).
   */
  thinkingBlocks?: 'forward';
  /** Rewrites messages for upstreams stricter than OpenAI; absent = sent as they are. */
  translateMessages?: (messages: readonly ChatMessage[]) => unknown[];
  /** Upstream finish_reason values beyond OpenAI's; 'error' means the generation failed. */
  finishReasons?: Readonly<Record<string, FinishReason | 'error'>>;
  /** Refinements of the status → error table. */
  statusOverrides: StatusOverrides;
  /** The embeddings request body; absent = OpenAI's (toOpenAIEmbeddingRequest). */
  embeddingRequest?: (request: ProviderEmbeddingRequest) => Record<string, unknown>;
}

export const FORWARD: ParameterRule = { action: 'forward' };

/** Neutral values: absent/off settings that need no upstream support. */
export const isFalsy = (value: unknown): boolean => value === false || value === 0 || value === null;
export const isEmptyObject = (value: unknown): boolean =>
  value === null || (typeof value === 'object' && Object.keys(value as object).length === 0);
