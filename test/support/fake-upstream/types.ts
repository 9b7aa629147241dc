/** The wire formats the fake speaks (paths: /openai/v1, /anthropic/v1, /mistral/v1, /litellm[/v1]). */
export type FakeFlavor = 'openai' | 'anthropic' | 'mistral' | 'litellm';

export interface FakeToolCall {
  /** Generated in the provider's own id format when absent. */
  id?: string;
  name: string;
  /** An object (serialized) or a JSON string. */
  arguments: unknown;
}

/** Token counts the fake reports (defaults are derived from the request and the reply). */
export interface FakeUsage {
  prompt?: number;
  completion?: number;
  /** Cached prompt tokens (OpenAI prompt_tokens_details.cached_tokens / Anthropic cache_read_input_tokens). */
  cacheRead?: number;
  /** Anthropic cache_creation_input_tokens. */
  cacheWrite?: number;
}

/**
 * What the fake does for one request. Every field is optional; `{}` is a normal answer.
 * Queued scenarios (enqueue) apply to the next matching requests, the default (setDefault)
 * to all others.
 */
export interface FakeScenario {
  /** Only requests of this flavor / for this model match (queued scenarios). */
  flavor?: FakeFlavor;
  model?: string;
  /** How many requests a queued scenario applies to (default 1). */
  times?: number;

  /* ---- failures ---- */
  /** Answer with this HTTP status and the flavor's real error body. */
  status?: number;
  error?: { message?: string; type?: string; code?: string };
  /** A raw error body (object → JSON, string → as is) instead of the generated one. */
  errorBody?: unknown;
  /** Seconds, sent as retry-after (and retry-after-ms for openai). */
  retryAfter?: number;
  headers?: Record<string, string>;
  /** Destroy the connection without answering. */
  reset?: boolean;
  /** Never answer (until the client gives up): for timeouts and aborts. */
  hang?: boolean;

  /* ---- latency ---- */
  /** Delay before the response headers (first byte). */
  latencyMs?: number;
  /** Delay between stream events. */
  chunkDelayMs?: number;

  /* ---- the answer ---- */
  text?: string;
  /** Length of the generated text, in words (≈ tokens), when `text` is not given. */
  completionTokens?: number;
  toolCalls?: FakeToolCall[];
  /** The JSON answer for JSON mode / a forced tool (default {"ok": true}). */
  json?: unknown;
  /** Provider-native finish/stop reason (e.g. "length", "max_tokens", "model_length"). */
  finishReason?: string;
  usage?: FakeUsage;
  /**
   * A usage value sent verbatim instead of the computed one (OpenAI-format flavors): garbage
   * from the upstream such as `{}`, strings or negative counts.
   */
  rawUsage?: unknown;
  /** Words per content chunk in streams (default: options.chunkWords). */
  chunkWords?: number;

  /* ---- mid-stream failure ---- */
  /** After this many stream events, fail with `failMode`. */
  failAfterEvents?: number;
  /** error_event: the flavor's SSE error event, then end; reset: destroy the socket; stall: stop sending. */
  failMode?: 'error_event' | 'reset' | 'stall';
  /** The message of that SSE error event (default: the provider's usual "Overloaded"/"server error"). */
  streamErrorMessage?: string;

  /** Replay a recorded body verbatim (e.g. a fixture file's content). */
  raw?: { status?: number; contentType: string; body: string };
}

export interface RecordedRequest {
  flavor: FakeFlavor;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  /** True once the client closed the connection before the response was complete. */
  aborted: boolean;
  /** True once the response was fully written. */
  completed: boolean;
  /** The id the fake named its response with (x-request-id, or request-id for Anthropic). */
  upstreamRequestId: string;
}

export interface FakeUpstreamOptions {
  port?: number;
  host?: string;
  /** Default latency before headers (ms). */
  latencyMs?: number;
  /** Default delay between stream events (ms). */
  chunkDelayMs?: number;
  /** Default generated answer length in words (≈ tokens); default: a short fixed sentence. */
  completionTokens?: number;
  /** Words per streamed content chunk (default 4). */
  chunkWords?: number;
  /** Keep RecordedRequests (default true; turn off for load tests). */
  record?: boolean;
  /** Reject requests without credentials (401 in the flavor's format). Default true. */
  requireAuth?: boolean;
}

/** The reply, computed once per request from the scenario and the request. */
export interface ReplyPlan {
  id: string;
  model: string;
  text: string | null;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
  finishReason: string;
  usage: Required<FakeUsage>;
  /** FakeScenario.rawUsage, when set. */
  rawUsage?: unknown;
  chunkWords: number;
}
