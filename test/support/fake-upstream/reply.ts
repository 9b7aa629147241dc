import type { FakeFlavor, FakeScenario, FakeToolCall, ReplyPlan } from './types';

const WORDS = [
  'alpha',
  'bravo',
  'charlie',
  'delta',
  'echo',
  'foxtrot',
  'golf',
  'hotel',
  'india',
  'juliet',
  'kilo',
  'lima',
];
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Per-server counter for ids (no module-level state). */
export class IdSource {
  private next = 0;

  id(prefix: string): string {
    this.next += 1;
    return `${prefix}${this.next.toString(36).padStart(6, '0')}`;
  }

  /** Mistral's tool-call ids are exactly 9 characters [a-zA-Z0-9]. */
  mistralToolId(): string {
    this.next += 1;
    let n = this.next;
    let out = '';
    for (let i = 0; i < 9; i++) {
      out = ALNUM[n % 62] + out;
      n = Math.floor(n / 62);
    }
    return out;
  }
}

export function generatedText(words: number): string {
  const out: string[] = new Array(words);
  for (let i = 0; i < words; i++) out[i] = WORDS[i % WORDS.length];
  return out.join(' ');
}

function toolId(flavor: FakeFlavor, ids: IdSource): string {
  if (flavor === 'mistral') return ids.mistralToolId();
  if (flavor === 'anthropic') return ids.id('toolu_fake');
  return ids.id('call_fake');
}

function argumentsText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? {});
}

/** The tool the request forces, in either format (OpenAI function choice / Anthropic tool choice). */
function forcedTool(body: Record<string, unknown>): string | null {
  const choice = body.tool_choice as
    { type?: string; name?: string; function?: { name?: string } } | string | undefined;
  if (!choice || typeof choice !== 'object') return null;
  if (choice.type === 'tool' && typeof choice.name === 'string') return choice.name;
  if (choice.type === 'function' && typeof choice.function?.name === 'string') return choice.function.name;
  return null;
}

function wantsJson(body: Record<string, unknown>): boolean {
  const format = body.response_format as { type?: string } | undefined;
  return format?.type === 'json_object' || format?.type === 'json_schema';
}

/** Native finish reasons when a scenario does not name one. */
function defaultFinish(flavor: FakeFlavor, toolCalls: boolean): string {
  if (flavor === 'anthropic') return toolCalls ? 'tool_use' : 'end_turn';
  return toolCalls ? 'tool_calls' : 'stop';
}

export function planReply(
  flavor: FakeFlavor,
  body: Record<string, unknown>,
  rawLength: number,
  scenario: FakeScenario,
  defaults: { completionTokens?: number; chunkWords: number },
  ids: IdSource,
): ReplyPlan {
  let toolCalls: ReplyPlan['toolCalls'] = [];
  let text: string | null = null;
  const given: FakeToolCall[] | undefined = scenario.toolCalls;
  const forced = forcedTool(body);
  if (given && given.length > 0) {
    toolCalls = given.map((call) => ({
      id: call.id ?? toolId(flavor, ids),
      name: call.name,
      arguments: argumentsText(call.arguments),
    }));
  } else if (forced) {
    toolCalls = [
      { id: toolId(flavor, ids), name: forced, arguments: argumentsText(scenario.json ?? { ok: true }) },
    ];
  } else if (wantsJson(body)) {
    text = JSON.stringify(scenario.json ?? { ok: true });
  }
  if (toolCalls.length === 0 && text === null) {
    const words = scenario.completionTokens ?? defaults.completionTokens;
    text =
      scenario.text ??
      (words !== undefined ? generatedText(words) : `Hello from the fake ${flavor} upstream.`);
  } else if (scenario.text !== undefined) {
    text = scenario.text;
  }
  const completionWords =
    (text ? text.split(' ').length : 0) +
    toolCalls.reduce((sum, call) => sum + Math.ceil(call.arguments.length / 4), 0);
  const usage = scenario.usage ?? {};
  return {
    id: flavor === 'anthropic' ? ids.id('msg_fake') : ids.id('chatcmpl-fake'),
    model: typeof body.model === 'string' ? body.model : 'unknown-model',
    text,
    toolCalls,
    finishReason: scenario.finishReason ?? defaultFinish(flavor, toolCalls.length > 0),
    usage: {
      prompt: usage.prompt ?? Math.max(1, Math.ceil(rawLength / 4)),
      completion: usage.completion ?? Math.max(1, completionWords),
      cacheRead: usage.cacheRead ?? 0,
      cacheWrite: usage.cacheWrite ?? 0,
    },
    ...('rawUsage' in scenario ? { rawUsage: scenario.rawUsage } : {}),
    chunkWords: scenario.chunkWords ?? defaults.chunkWords,
  };
}

/** Text split into pieces of `words` words; the pieces join back to the text exactly. */
export function textPieces(text: string, words: number): string[] {
  const parts = text.split(/(?<= )/);
  const out: string[] = [];
  for (let i = 0; i < parts.length; i += words) out.push(parts.slice(i, i + words).join(''));
  return out;
}

/** JSON text split in two or three pieces (as upstreams stream tool arguments). */
export function argumentPieces(args: string): string[] {
  if (args.length < 8) return [args];
  const third = Math.ceil(args.length / 3);
  return [args.slice(0, third), args.slice(third, 2 * third), args.slice(2 * third)];
}
