import { countTokens as countBpe } from 'gpt-tokenizer/encoding/o200k_base';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionChunkChoice,
  FinishReason,
  ToolCall,
  ToolDefinition,
  Usage,
} from '../../common/openai/chat.types';
import { routingPromptTokens } from '../../common/token-estimator';
import type { ProviderRequest } from '../provider.types';
import type { ProviderKey } from '../../common/provider-keys';

/**
 * Tokens of `text`, special-token strings ("<|endoftext|>") counted as the plain text they are:
 * the text echoes what a client sent (the model name, tool names), and gpt-tokenizer throws on
 * special tokens by default (a 500 the fuzz found).
 */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };
function countTokens(text: string): number {
  return countBpe(text, PLAIN_TEXT);
}

/**
 * The simulated provider's answers, as pure functions of the request: the same model and
 * messages always give the same text (a hash of them seeds a small PRNG), usage is counted
 * with gpt-tokenizer, and the shapes are exactly what the real adapters produce.
 */

const WORDS = [
  'the',
  'gateway',
  'routes',
  'each',
  'request',
  'to',
  'a',
  'model',
  'that',
  'fits',
  'its',
  'intent',
  'and',
  'budget',
  'while',
  'keeping',
  'latency',
  'low',
  'answers',
  'stay',
  'consistent',
  'for',
  'every',
  'client',
  'simple',
  'questions',
  'need',
  'small',
  'models',
  'complex',
  'code',
  'deserves',
  'careful',
  'reasoning',
  'this',
  'reply',
  'is',
  'deterministic',
  'so',
  'tests',
  'can',
  'compare',
  'streamed',
  'text',
  'with',
  'complete',
  'responses',
  'tokens',
  'are',
  'counted',
  'exactly',
  'usage',
  'reflects',
  'what',
  'was',
  'sent',
  'back',
  'nothing',
  'leaves',
  'this',
  'machine',
  'today',
] as const;

/** FNV-1a over a string: fast, deterministic, good enough to seed a PRNG. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** mulberry32: a tiny seeded PRNG returning [0, 1). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function token(rng: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[Math.floor(rng() * 62)];
  return out;
}

/** Tool-call ids in each provider's own format (Mistral's are 9 alphanumerics). */
function toolCallId(provider: ProviderKey, rng: () => number): string {
  if (provider === 'mistral') return token(rng, 9);
  if (provider === 'anthropic') return `toolu_sim${token(rng, 20)}`;
  return `call_sim${token(rng, 20)}`;
}

function sentence(rng: () => number, model: string): string {
  const count = 12 + Math.floor(rng() * 24);
  let text = `Simulated answer from ${model}:`;
  for (let i = 0; i < count; i++) text += ` ${WORDS[Math.floor(rng() * WORDS.length)]}`;
  return `${text}.`;
}

type Schema = Record<string, unknown>;

/** A deterministic value matching a JSON schema (the common subset tools and formats use). */
export function sampleFromSchema(schema: unknown, rng: () => number, depth = 0): unknown {
  if (typeof schema !== 'object' || schema === null || depth > 8) return null;
  const s = schema as Schema;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[Math.floor(rng() * s.enum.length)];
  if ('const' in s) return s.const;
  const variants = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (Array.isArray(variants) && variants.length > 0) return sampleFromSchema(variants[0], rng, depth + 1);
  const type = Array.isArray(s.type) ? (s.type.find((t) => t !== 'null') ?? 'null') : s.type;
  switch (type ?? (s.properties ? 'object' : 'string')) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const properties = (s.properties ?? {}) as Record<string, unknown>;
      for (const key of Object.keys(properties)) out[key] = sampleFromSchema(properties[key], rng, depth + 1);
      return out;
    }
    case 'array': {
      const count = Math.max(1, typeof s.minItems === 'number' ? s.minItems : 1);
      return Array.from({ length: count }, () => sampleFromSchema(s.items, rng, depth + 1));
    }
    case 'integer': {
      const min = typeof s.minimum === 'number' ? Math.ceil(s.minimum) : 0;
      const max = typeof s.maximum === 'number' ? Math.floor(s.maximum) : min + 100;
      return min + Math.floor(rng() * (max - min + 1));
    }
    case 'number': {
      const min = typeof s.minimum === 'number' ? s.minimum : 0;
      const max = typeof s.maximum === 'number' ? s.maximum : min + 100;
      return Math.round((min + rng() * (max - min)) * 100) / 100;
    }
    case 'boolean':
      return rng() < 0.5;
    case 'null':
      return null;
    default:
      if (s.format === 'date') return '2024-01-01';
      if (s.format === 'date-time') return '2024-01-01T00:00:00Z';
      return WORDS[Math.floor(rng() * WORDS.length)];
  }
}

interface ChoicePlan {
  content: string | null;
  toolCalls: ToolCall[];
  finish: FinishReason;
}

interface Plan {
  id: string;
  model: string;
  choices: ChoicePlan[];
  usage: Usage;
}

/** Cuts the text at the first stop sequence (OpenAI semantics: the sequence is not returned). */
function applyStop(text: string, stop: ProviderRequest['stop']): { text: string; stopped: boolean } {
  const list = typeof stop === 'string' ? [stop] : (stop ?? []);
  let cut = -1;
  for (const sequence of list) {
    const at = sequence ? text.indexOf(sequence) : -1;
    if (at >= 0 && (cut < 0 || at < cut)) cut = at;
  }
  return cut < 0 ? { text, stopped: false } : { text: text.slice(0, cut), stopped: true };
}

/** Keeps whole words while the token count fits `limit`. */
function truncateToTokens(text: string, limit: number): string {
  if (countTokens(text) <= limit) return text;
  const words = text.split(' ');
  let low = 0;
  let high = words.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (countTokens(words.slice(0, mid).join(' ')) <= limit) low = mid;
    else high = mid - 1;
  }
  return words.slice(0, low).join(' ');
}

function pickTool(request: ProviderRequest, rng: () => number): ToolDefinition | null {
  const tools = request.tools;
  const choice = request.tool_choice;
  if (!tools || tools.length === 0 || choice === 'none') return null;
  const last = request.messages[request.messages.length - 1];
  if (last && last.role === 'tool') return null; // the tool answered: now reply in text
  if (typeof choice === 'object') return tools.find((t) => t.function.name === choice.function.name) ?? null;
  return tools[Math.floor(rng() * tools.length)];
}

function planChoice(provider: ProviderKey, request: ProviderRequest, rng: () => number): ChoicePlan {
  const tool = pickTool(request, rng);
  if (tool) {
    const args = JSON.stringify(sampleFromSchema(tool.function.parameters ?? { type: 'object' }, rng));
    return {
      content: null,
      toolCalls: [
        {
          id: toolCallId(provider, rng),
          type: 'function',
          function: { name: tool.function.name, arguments: args },
        },
      ],
      finish: 'tool_calls',
    };
  }
  const format = request.response_format;
  if (format?.type === 'json_schema') {
    return {
      content: JSON.stringify(sampleFromSchema(format.json_schema?.schema ?? { type: 'object' }, rng)),
      toolCalls: [],
      finish: 'stop',
    };
  }
  if (format?.type === 'json_object') {
    return {
      content: JSON.stringify({ answer: sentence(rng, request.model), model: request.model }),
      toolCalls: [],
      finish: 'stop',
    };
  }
  const stop = applyStop(sentence(rng, request.model), request.stop);
  const limit = request.max_completion_tokens ?? request.max_tokens;
  if (typeof limit === 'number' && limit > 0) {
    const truncated = truncateToTokens(stop.text, limit);
    if (truncated.length < stop.text.length) return { content: truncated, toolCalls: [], finish: 'length' };
  }
  return { content: stop.text, toolCalls: [], finish: 'stop' };
}

function completionTokens(choice: ChoicePlan): number {
  let tokens = choice.content ? countTokens(choice.content) : 0;
  for (const call of choice.toolCalls)
    tokens += countTokens(call.function.name) + countTokens(call.function.arguments);
  return tokens;
}

export function planSimulation(provider: ProviderKey, request: ProviderRequest): Plan {
  const seed = fnv1a(`${request.model}\n${JSON.stringify(request.messages)}`);
  const n = typeof request.n === 'number' && request.n > 1 ? request.n : 1;
  const choices: ChoicePlan[] = [];
  for (let i = 0; i < n; i++) choices.push(planChoice(provider, request, prng(seed + i)));
  const prompt = routingPromptTokens(request); // realistic, like a provider's count
  let completion = 0;
  for (const choice of choices) completion += completionTokens(choice);
  const hex = seed.toString(16).padStart(8, '0');
  return {
    id: provider === 'anthropic' ? `msg_sim${hex}` : `chatcmpl-sim${hex}`,
    model: request.model,
    choices,
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      prompt_tokens_details: { cached_tokens: 0 },
    },
  };
}

export function simulateCompletion(
  provider: ProviderKey,
  request: ProviderRequest,
  created: number,
): ChatCompletion {
  const plan = planSimulation(provider, request);
  return {
    id: plan.id,
    object: 'chat.completion',
    created,
    model: plan.model,
    choices: plan.choices.map((choice, index) => ({
      index,
      message: {
        role: 'assistant',
        content: choice.content,
        ...(choice.toolCalls.length > 0 ? { tool_calls: choice.toolCalls } : {}),
      },
      finish_reason: choice.finish,
      logprobs: null,
    })),
    usage: plan.usage,
    system_fingerprint: 'modelmuxer-simulated',
  };
}

/** Splits text into pieces of a few words, keeping every character (pieces join to the text). */
function pieces(text: string, wordsPerPiece: number): string[] {
  const out: string[] = [];
  const parts = text.split(/(?<= )/);
  for (let i = 0; i < parts.length; i += wordsPerPiece) out.push(parts.slice(i, i + wordsPerPiece).join(''));
  return out;
}

/** The same answer as simulateCompletion, as the chunk sequence of a stream (usage last). */
export function simulateChunks(
  provider: ProviderKey,
  request: ProviderRequest,
  created: number,
): ChatCompletionChunk[] {
  const plan = planSimulation(provider, request);
  const chunk = (
    choices: ChatCompletionChunkChoice[],
    usage?: ChatCompletionChunk['usage'],
  ): ChatCompletionChunk => ({
    id: plan.id,
    object: 'chat.completion.chunk',
    created,
    model: plan.model,
    choices,
    ...(usage ? { usage } : {}),
    system_fingerprint: 'modelmuxer-simulated',
  });
  const chunks: ChatCompletionChunk[] = [];
  plan.choices.forEach((choice, index) => {
    for (const delta of choiceDeltas(choice)) chunks.push(chunk([{ index, ...delta, logprobs: null }]));
  });
  chunks.push(chunk([], plan.usage));
  return chunks;
}

type SimulatedChoice = ReturnType<typeof planSimulation>['choices'][number];

/** One choice as deltas: role, content in pieces of 3 words, each tool call, then the finish. */
function choiceDeltas(
  choice: SimulatedChoice,
): Array<Pick<ChatCompletionChunkChoice, 'delta' | 'finish_reason'>> {
  const deltas: Array<Pick<ChatCompletionChunkChoice, 'delta' | 'finish_reason'>> = [
    { delta: { role: 'assistant', content: choice.content === null ? null : '' }, finish_reason: null },
  ];
  if (choice.content) {
    for (const piece of pieces(choice.content, 3))
      deltas.push({ delta: { content: piece }, finish_reason: null });
  }
  choice.toolCalls.forEach((call, callIndex) => {
    const opening = {
      index: callIndex,
      id: call.id,
      type: 'function' as const,
      function: { name: call.function.name, arguments: '' },
    };
    deltas.push({ delta: { tool_calls: [opening] }, finish_reason: null });
    const args = call.function.arguments;
    const step = Math.max(1, Math.ceil(args.length / 3));
    for (let at = 0; at < args.length; at += step) {
      const part = { index: callIndex, function: { arguments: args.slice(at, at + step) } };
      deltas.push({ delta: { tool_calls: [part] }, finish_reason: null });
    }
  });
  deltas.push({ delta: {}, finish_reason: choice.finish });
  return deltas;
}
