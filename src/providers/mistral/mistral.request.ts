import { createHash } from 'node:crypto';
import type { ChatMessage } from '../../common/openai/chat.types';
import {
  FORWARD,
  isEmptyObject,
  isFalsy,
  ParameterRule,
} from '../openai-compatible/openai-compatible.dialect';
import { unsupportedParameter } from '../shared/provider-errors';

/**
 * Mistral's chat API validates strictly: an unknown field anywhere (top level or inside a
 * message) is a 422 "extra_forbidden". So the Mistral dialect lists every parameter; anything
 * else is not forwarded. Reference: Mistral's ChatCompletionRequest (client-python models).
 */
export const MISTRAL_PARAMETERS: Readonly<Record<string, ParameterRule>> = {
  temperature: FORWARD,
  top_p: FORWARD,
  max_tokens: FORWARD,
  stop: FORWARD,
  n: FORWARD,
  presence_penalty: FORWARD,
  frequency_penalty: FORWARD,
  tools: FORWARD,
  parallel_tool_calls: FORWARD,
  response_format: FORWARD,
  prediction: FORWARD,
  reasoning_effort: FORWARD,
  metadata: FORWARD,
  prompt_cache_key: FORWARD,
  // Mistral's own parameters, forwarded when a client sends them.
  random_seed: FORWARD,
  safe_prompt: FORWARD,
  prompt_mode: FORWARD,
  guardrails: FORWARD,
  // Same meaning, Mistral's name.
  seed: { action: 'rename', to: 'random_seed' },
  max_completion_tokens: { action: 'rename', to: 'max_tokens' },
  // Dropped on purpose: no Mistral equivalent, and the answer does not depend on them.
  user: { action: 'drop', why: 'Mistral has no end-user identifier field' },
  store: { action: 'drop', why: 'OpenAI-side storage of completions' },
  service_tier: { action: 'drop', why: 'OpenAI processing tiers' },
  safety_identifier: { action: 'drop', why: 'OpenAI abuse-monitoring identifier' },
  verbosity: { action: 'drop', why: 'an OpenAI reasoning-model length hint' },
  // Rejected: the client asked for something Mistral cannot give.
  logprobs: { action: 'reject', why: 'Mistral returns no log probabilities', neutral: isFalsy },
  top_logprobs: { action: 'reject', why: 'Mistral returns no log probabilities', neutral: isFalsy },
  logit_bias: { action: 'reject', why: 'Mistral has no logit bias', neutral: isEmptyObject },
  modalities: {
    action: 'reject',
    why: 'Mistral chat produces text only',
    neutral: (value) => Array.isArray(value) && value.every((m) => m === 'text'),
  },
  audio: { action: 'reject', why: 'Mistral chat produces text only' },
  web_search_options: { action: 'reject', why: 'web search is an OpenAI tool' },
  functions: { action: 'reject', why: 'legacy functions are not supported; use tools' },
  function_call: { action: 'reject', why: 'legacy function_call is not supported; use tool_choice' },
};

const MISTRAL_TOOL_CALL_ID = /^[a-zA-Z0-9]{9}$/;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Mistral accepts only tool-call ids of exactly 9 characters [a-zA-Z0-9] (its own format);
 * ids minted by other providers ("call_…", "toolu_…") are mapped deterministically, so an
 * assistant tool call and its tool result still match.
 */
export function toMistralToolCallId(id: string): string {
  if (MISTRAL_TOOL_CALL_ID.test(id)) return id;
  const digest = createHash('sha256').update(id).digest();
  let out = '';
  for (let i = 0; i < 9; i++) out += BASE62[digest[i] % 62];
  return out;
}

/**
 * OpenAI messages → Mistral messages, keeping only the fields Mistral accepts per role
 * (system/user: role+content; assistant: +tool_calls, prefix; tool: +tool_call_id, name).
 * `developer` becomes `system`; `name` on other roles is dropped (Mistral rejects it).
 */
export function toMistralMessages(messages: readonly ChatMessage[]): unknown[] {
  const out: unknown[] = new Array(messages.length);
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    switch (message.role) {
      case 'system':
      case 'developer':
        out[i] = { role: 'system', content: message.content };
        break;
      case 'user':
        out[i] = { role: 'user', content: message.content };
        break;
      case 'assistant': {
        const assistant: Record<string, unknown> = { role: 'assistant', content: message.content ?? null };
        if (message.tool_calls && message.tool_calls.length > 0) {
          assistant.tool_calls = message.tool_calls.map((call) => ({
            id: toMistralToolCallId(call.id),
            type: 'function',
            function: { name: call.function.name, arguments: call.function.arguments },
          }));
        }
        if (message.prefix === true) assistant.prefix = true;
        out[i] = assistant;
        break;
      }
      case 'tool': {
        const tool: Record<string, unknown> = {
          role: 'tool',
          content: message.content,
          tool_call_id: toMistralToolCallId(message.tool_call_id ?? ''),
        };
        if (typeof message.name === 'string') tool.name = message.name;
        out[i] = tool;
        break;
      }
      default:
        throw unsupportedParameter(
          'mistral',
          `messages[${i}].role`,
          `role "${message.role}" has no Mistral equivalent; use tools`,
        );
    }
  }
  return out;
}
