import { argumentPieces, textPieces } from './reply';
import type { FakeFlavor, FakeScenario, ReplyPlan } from './types';

/**
 * OpenAI Chat Completions wire format and its dialects as the real services send them:
 * OpenAI, Mistral (usage on the last chunk, whole tool calls per delta, strict validation,
 * its own error bodies) and a LiteLLM proxy (OpenAI's shape, "None" strings in errors).
 */

type Json = Record<string, unknown>;

function usageBody(flavor: FakeFlavor, plan: ReplyPlan): unknown {
  if ('rawUsage' in plan) return plan.rawUsage;
  const { prompt, completion, cacheRead } = plan.usage;
  const base: Json = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
  if (flavor === 'mistral') return base;
  return {
    ...base,
    prompt_tokens_details: { cached_tokens: cacheRead, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function toolCallsBody(plan: ReplyPlan, withIndex: boolean): Json[] {
  return plan.toolCalls.map((call, index) => ({
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
    ...(withIndex ? { index } : {}),
  }));
}

export function openAICompletion(flavor: FakeFlavor, plan: ReplyPlan, created: number): Json {
  const message: Json = { role: 'assistant', content: plan.text };
  if (flavor === 'mistral') {
    message.tool_calls = plan.toolCalls.length > 0 ? toolCallsBody(plan, true) : null;
    return {
      id: plan.id,
      object: 'chat.completion',
      model: plan.model,
      usage: usageBody(flavor, plan),
      created,
      choices: [{ index: 0, message, finish_reason: plan.finishReason }],
    };
  }
  message.refusal = null;
  message.annotations = [];
  if (plan.toolCalls.length > 0) message.tool_calls = toolCallsBody(plan, false);
  return {
    id: plan.id,
    object: 'chat.completion',
    created,
    model: plan.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: plan.finishReason }],
    usage: usageBody(flavor, plan),
    service_tier: 'default',
    system_fingerprint: flavor === 'litellm' ? null : 'fp_fake',
  };
}

/** The SSE events of a streamed answer, each already framed ("data: …\n\n"). */
export function openAIStreamEvents(
  flavor: FakeFlavor,
  plan: ReplyPlan,
  created: number,
  includeUsage: boolean,
): string[] {
  const mistral = flavor === 'mistral';
  const envelope = (choices: Json[], extra: Json = {}): string => {
    const chunk: Json = { id: plan.id, object: 'chat.completion.chunk', created, model: plan.model };
    if (!mistral) chunk.system_fingerprint = 'fp_fake';
    chunk.choices = choices;
    if (includeUsage && !mistral) chunk.usage = null;
    return `data: ${JSON.stringify({ ...chunk, ...extra })}\n\n`;
  };
  const choice = (delta: Json, finish: string | null = null): Json =>
    mistral
      ? { index: 0, delta, finish_reason: finish }
      : { index: 0, delta, logprobs: null, finish_reason: finish };

  const events: string[] = [envelope([choice({ role: 'assistant', content: '' })])];
  if (plan.text)
    for (const piece of textPieces(plan.text, plan.chunkWords))
      events.push(envelope([choice({ content: piece })]));
  plan.toolCalls.forEach((call, index) => {
    if (mistral) {
      // Mistral sends each tool call whole, in one delta.
      events.push(
        envelope([
          choice({
            tool_calls: [{ id: call.id, function: { name: call.name, arguments: call.arguments }, index }],
          }),
        ]),
      );
      return;
    }
    events.push(
      envelope([
        choice({
          tool_calls: [
            { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
          ],
        }),
      ]),
    );
    for (const piece of argumentPieces(call.arguments)) {
      events.push(envelope([choice({ tool_calls: [{ index, function: { arguments: piece } }] })]));
    }
  });
  if (mistral) {
    events.push(envelope([choice({ content: '' }, plan.finishReason)], { usage: usageBody(flavor, plan) }));
  } else {
    events.push(envelope([choice({}, plan.finishReason)]));
    if (includeUsage) events.push(envelope([], { usage: usageBody(flavor, plan) }));
  }
  events.push('data: [DONE]\n\n');
  return events;
}

const OPENAI_ERRORS: Record<number, { type: string; code: string | null; message: string }> = {
  400: {
    type: 'invalid_request_error',
    code: null,
    message: "Invalid value for 'temperature': must be between 0 and 2.",
  },
  401: {
    type: 'invalid_request_error',
    code: 'invalid_api_key',
    message:
      'Incorrect API key provided: sk-fake****1234. You can find your API key at https://platform.openai.com/account/api-keys.',
  },
  403: {
    type: 'invalid_request_error',
    code: 'unsupported_country_region_territory',
    message: 'Country, region, or territory not supported',
  },
  404: {
    type: 'invalid_request_error',
    code: 'model_not_found',
    message: 'The model `missing-model` does not exist or you do not have access to it.',
  },
  429: {
    type: 'requests',
    code: 'rate_limit_exceeded',
    message:
      'Rate limit reached for gpt-4o-mini in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.',
  },
  500: {
    type: 'server_error',
    code: null,
    message: 'The server had an error while processing your request. Sorry about that!',
  },
  503: {
    type: 'server_error',
    code: null,
    message: 'The engine is currently overloaded, please try again later.',
  },
};

const LITELLM_CLASSES: Record<number, string> = {
  400: 'BadRequestError',
  401: 'AuthenticationError',
  403: 'PermissionDeniedError',
  404: 'NotFoundError',
  429: 'RateLimitError',
  500: 'InternalServerError',
  503: 'ServiceUnavailableError',
};

export function openAIErrorBody(flavor: FakeFlavor, status: number, scenario: FakeScenario): Json {
  const known = OPENAI_ERRORS[status] ?? OPENAI_ERRORS[status >= 500 ? 500 : 400];
  const message = scenario.error?.message ?? known.message;
  if (flavor === 'mistral') {
    if (status === 401) return { message: 'Unauthorized', request_id: 'fake0123456789abcdef' };
    if (status === 429)
      return {
        object: 'error',
        message: scenario.error?.message ?? 'Requests rate limit exceeded',
        type: 'rate_limited',
        param: null,
        code: '1300',
      };
    return {
      object: 'error',
      message,
      type: scenario.error?.type ?? (status >= 500 ? 'internal_server_error' : 'invalid_request_error'),
      param: null,
      code: scenario.error?.code ?? null,
    };
  }
  if (flavor === 'litellm') {
    const name = LITELLM_CLASSES[status] ?? 'APIError';
    return {
      error: {
        message: `litellm.${name}: ${message}`,
        type: scenario.error?.type ?? 'None',
        param: 'None',
        code: String(status),
      },
    };
  }
  return {
    error: {
      message,
      type: scenario.error?.type ?? known.type,
      param: null,
      code: scenario.error?.code ?? known.code,
    },
  };
}

export function openAIStreamErrorEvent(message: string): string {
  return `data: ${JSON.stringify({ error: { message, type: 'server_error', param: null, code: null } })}\n\n`;
}

/* ---------- Mistral's strict validation (what makes translation bugs visible) ---------- */

const MISTRAL_TOP_LEVEL = new Set([
  'model',
  'messages',
  'temperature',
  'top_p',
  'max_tokens',
  'stream',
  'stop',
  'random_seed',
  'metadata',
  'response_format',
  'tools',
  'tool_choice',
  'presence_penalty',
  'frequency_penalty',
  'n',
  'prediction',
  'parallel_tool_calls',
  'reasoning_effort',
  'prompt_mode',
  'guardrails',
  'prompt_cache_key',
  'safe_prompt',
]);
const MISTRAL_MESSAGE_FIELDS: Record<string, Set<string>> = {
  system: new Set(['role', 'content']),
  user: new Set(['role', 'content']),
  assistant: new Set(['role', 'content', 'tool_calls', 'prefix']),
  tool: new Set(['role', 'content', 'tool_call_id', 'name']),
};
const MISTRAL_TOOL_ID = /^[a-zA-Z0-9]{9}$/;

/** Returns the error a real Mistral would send for this body, or null when it is valid. */
export function mistralValidation(body: Json): { status: number; body: Json } | null {
  const detail: Json[] = [];
  for (const key of Object.keys(body)) {
    if (!MISTRAL_TOP_LEVEL.has(key))
      detail.push({
        type: 'extra_forbidden',
        loc: ['body', key],
        msg: 'Extra inputs are not permitted',
        input: body[key],
      });
  }
  const messages = Array.isArray(body.messages) ? (body.messages as Json[]) : [];
  messages.forEach((message, i) => {
    const role = String(message.role);
    const allowed = MISTRAL_MESSAGE_FIELDS[role];
    if (!allowed) {
      detail.push({
        type: 'union_tag_invalid',
        loc: ['body', 'messages', i],
        msg: `Input tag '${role}' found using 'role' does not match any of the expected tags`,
        input: message,
      });
      return;
    }
    for (const key of Object.keys(message)) {
      if (!allowed.has(key))
        detail.push({
          type: 'extra_forbidden',
          loc: ['body', 'messages', i, role, key],
          msg: 'Extra inputs are not permitted',
          input: message[key],
        });
    }
  });
  if (detail.length > 0) {
    return {
      status: 422,
      body: {
        object: 'error',
        message: { detail },
        type: 'invalid_request_message_error',
        param: null,
        code: null,
      },
    };
  }
  for (const message of messages) {
    const ids: unknown[] = [];
    if (Array.isArray(message.tool_calls)) for (const call of message.tool_calls as Json[]) ids.push(call.id);
    if (message.role === 'tool') ids.push(message.tool_call_id);
    for (const id of ids) {
      if (typeof id !== 'string' || !MISTRAL_TOOL_ID.test(id)) {
        return {
          status: 400,
          body: {
            object: 'error',
            message: `Tool call id was ${String(id)} but must be a-z, A-Z, 0-9, with a length of 9.`,
            type: 'invalid_request_error',
            param: null,
            code: '3280',
          },
        };
      }
    }
  }
  return null;
}
