import type { ChatCompletionRequest, ChatMessage } from '../common/openai/chat.types';
import { ErrorCode, GatewayError } from '../common/errors';

/** The API surfaces a tenant policy can open or close. */
export const POLICY_ENDPOINTS = ['chat_completions', 'messages', 'embeddings'] as const;
export type PolicyEndpoint = (typeof POLICY_ENDPOINTS)[number];

/** Request features a tenant policy can switch off (all on by default). */
export interface PolicyFeatures {
  /** `stream: true` (SSE answers). */
  streaming: boolean;
  /** Tool (function) definitions, tool_choice and the legacy `functions`. */
  tools: boolean;
  /** Image content parts (`image_url`). */
  images: boolean;
}

export const ALL_FEATURES: Readonly<PolicyFeatures> = Object.freeze({
  streaming: true,
  tools: true,
  images: true,
});

/** The request-shape part of a tenant policy, compiled for the hot path. */
export interface RequestLimits {
  /** null: every endpoint. */
  endpoints: ReadonlySet<PolicyEndpoint> | null;
  features: Readonly<PolicyFeatures>;
  /** Largest output a request may ask for (tokens); null: no cap. */
  maxOutputTokens: number | null;
}

const ENDPOINT_NAMES: Record<PolicyEndpoint, string> = {
  chat_completions: '/v1/chat/completions',
  messages: '/v1/messages',
  embeddings: '/v1/embeddings',
};

function refuse(message: string, param: string | null): never {
  throw new GatewayError(ErrorCode.PolicyViolation, message, { param });
}

/** Refuses an endpoint the tenant policy does not open. */
export function assertEndpointAllowed(limits: RequestLimits, endpoint: PolicyEndpoint): void {
  if (limits.endpoints && !limits.endpoints.has(endpoint)) {
    refuse(`The tenant policy does not allow ${ENDPOINT_NAMES[endpoint]}.`, null);
  }
}

function hasImage(message: ChatMessage): boolean {
  const content: unknown = message.content;
  if (!Array.isArray(content)) return false;
  return content.some(
    (part) => typeof part === 'object' && part !== null && (part as { type?: unknown }).type === 'image_url',
  );
}

function usesTools(request: ChatCompletionRequest): boolean {
  const present = (value: unknown): boolean =>
    value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
  return present(request.tools) || present(request.functions) || present(request.tool_choice);
}

function assertFeatures(request: ChatCompletionRequest, features: Readonly<PolicyFeatures>): void {
  if (!features.streaming && request.stream === true) {
    refuse('The tenant policy does not allow streaming: send the request without "stream": true.', 'stream');
  }
  if (!features.tools && usesTools(request)) {
    refuse('The tenant policy does not allow tools (function calling).', 'tools');
  }
  if (!features.images && request.messages.some(hasImage)) {
    refuse('The tenant policy does not allow image inputs.', 'messages');
  }
}

/**
 * Applies the endpoint, feature and output-token rules to a chat request. A request that asks
 * for more output than the cap is refused (never silently cut); one that names no limit gets
 * `max_completion_tokens` set to the cap (a copy: the client's object is not changed), which
 * also bounds what its budget reservation holds. Returns the request to go on with.
 */
export function applyRequestLimits(
  request: ChatCompletionRequest,
  limits: RequestLimits,
  endpoint: PolicyEndpoint,
): ChatCompletionRequest {
  assertEndpointAllowed(limits, endpoint);
  assertFeatures(request, limits.features);
  const cap = limits.maxOutputTokens;
  if (cap === null) return request;
  const asked = request.max_completion_tokens ?? request.max_tokens;
  if (asked === null || asked === undefined) return { ...request, max_completion_tokens: cap };
  if (asked > cap) {
    const param = request.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens';
    refuse(
      `The tenant policy allows at most ${cap} output tokens per request; this one asks for ${asked}.`,
      param,
    );
  }
  return request;
}

export function compileRequestLimits(policy: {
  allowed_endpoints?: PolicyEndpoint[] | null;
  features?: Partial<PolicyFeatures> | null;
  max_output_tokens?: number | null;
}): RequestLimits {
  return {
    endpoints: policy.allowed_endpoints ? new Set(policy.allowed_endpoints) : null,
    features: { ...ALL_FEATURES, ...(policy.features ?? {}) },
    maxOutputTokens: policy.max_output_tokens ?? null,
  };
}
