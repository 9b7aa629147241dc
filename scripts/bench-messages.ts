/**
 * What /v1/messages adds over /v1/chat/completions, per request, in CPU: the route-specific work
 * only (the pipeline between is the same code for both). In-process, interleaved rounds, CPU time
 * from process.cpuUsage (which preemption on a busy machine does not inflate; wall time does).
 *
 *   npm run bench:messages [-- --iterations=20000 --rounds=5]
 *
 *   chat      ChatRequestPipe.transform(OpenAI body) + JSON.stringify(completion + router_metadata)
 *   messages  fromMessagesRequest(Anthropic body) + toMessagesResponse + JSON.stringify(message + router_metadata)
 *   streams   30 chunks: OpenAI framing (data: <chunk>) vs MessagesStreamEncoder + Anthropic framing
 * for a short prompt (the load bench's) and a tool round trip (tools, tool_use, tool_result).
 */
import { cpus, loadavg } from 'node:os';
import { fromMessagesRequest } from '../src/chat/anthropic-in/messages-request';
import { toMessagesResponse } from '../src/chat/anthropic-in/messages-response';
import { messagesSseFraming } from '../src/chat/anthropic-in/messages-sse';
import { MessagesStreamEncoder } from '../src/chat/anthropic-in/messages-stream';
import { ChatRequestPipe } from '../src/chat/chat-request.pipe';
import { OPENAI_SSE_FRAMING } from '../src/chat/sse-writer';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
} from '../src/common/openai/chat.types';
import { AppConfig, loadAppConfig } from '../src/config/app-config';

function argument(name: string, fallback: number): number {
  const found = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  return found ? Number(found.split('=')[1]) : fallback;
}

const SHORT =
  'Explain, in two short paragraphs, why caching responses of deterministic requests saves money for an LLM gateway.';
const METADATA = {
  request_id: '6f1c1f43-1f1e-4a53-9d44-0d5b8f2f1a10',
  selected_provider: 'openai',
  selected_model: 'gpt-4o-mini',
  routing_reason: 'auto → gpt-4o-mini: cheapest model meeting chat_lite quality',
  intent_label: 'chat_lite',
  estimated_cost_usd: 0.0001,
  cost_usd: 0.00008,
  fallbacks_tried: [],
  cache_hit: false,
  latency_ms: 412.5,
  budget_downgraded: false,
};

const weather = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const anthropicBodies: Record<string, Record<string, unknown>> = {
  short: { model: 'auto', max_tokens: 256, messages: [{ role: 'user', content: SHORT }] },
  tools: {
    model: 'auto',
    max_tokens: 256,
    system: 'You are a weather assistant.',
    tools: [weather],
    messages: [
      { role: 'user', content: 'Weather in Paris and Oslo?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking both.' },
          { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_02', name: 'get_weather', input: { city: 'Oslo' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_01', content: '{"temp_c": 21}' },
          { type: 'tool_result', tool_use_id: 'toolu_02', content: '{"temp_c": 4}' },
        ],
      },
    ],
  },
};

function completion(): ChatCompletion {
  return {
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: `${SHORT} `.repeat(3) },
        finish_reason: 'stop',
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: 30, completion_tokens: 90, total_tokens: 120 },
  };
}

function chunks(): ChatCompletionChunk[] {
  const words = `${SHORT} `.repeat(3).split(' ');
  const base = {
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk' as const,
    created: 1,
    model: 'gpt-4o-mini',
  };
  const out: ChatCompletionChunk[] = [
    {
      ...base,
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
      router_metadata: METADATA,
    },
  ];
  for (let i = 0; i < 27; i++) {
    out.push({
      ...base,
      choices: [{ index: 0, delta: { content: `${words[i % words.length]} ` }, finish_reason: null }],
    });
  }
  out.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
  out.push({
    ...base,
    choices: [],
    usage: { prompt_tokens: 30, completion_tokens: 27, total_tokens: 57 },
    router_metadata: METADATA,
  });
  return out;
}

function cpuPerCall(iterations: number, fn: () => unknown): number {
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / iterations;
}

function main(): void {
  const iterations = argument('iterations', 20_000);
  const rounds = argument('rounds', 5);
  const config: AppConfig = loadAppConfig({ TEST_MODE: 'true', DATA_DIR: ':memory:', LOG_LEVEL: 'error' });
  const pipe = new ChatRequestPipe(config);
  const cases: Record<string, () => unknown> = {};
  for (const [name, body] of Object.entries(anthropicBodies)) {
    const openAIBody = fromMessagesRequest(body, config.limits) as ChatCompletionRequest;
    delete openAIBody.stream_options;
    const answer = completion();
    cases[`${name}: chat (validate + serialize)`] = () =>
      JSON.stringify({
        ...pipe.transform(structuredClone(openAIBody)),
        ...answer,
        router_metadata: METADATA,
      });
    cases[`${name}: messages (translate in + out + serialize)`] = () => {
      const request = fromMessagesRequest(structuredClone(body), config.limits);
      return JSON.stringify({ ...toMessagesResponse(answer, request.model!), router_metadata: METADATA });
    };
    cases[`${name}: messages translation alone (in + out)`] = () =>
      toMessagesResponse(answer, fromMessagesRequest(structuredClone(body), config.limits).model!);
    cases[`${name}: clone only (subtracted)`] = () => structuredClone(body);
  }
  const stream = chunks();
  const framing = messagesSseFraming('6f1c1f43-1f1e-4a53-9d44-0d5b8f2f1a10');
  cases['stream, 30 chunks: chat framing'] = () => {
    let bytes = 0;
    for (const chunk of stream) bytes += OPENAI_SSE_FRAMING.item(chunk).length;
    return bytes + OPENAI_SSE_FRAMING.end().length;
  };
  cases['stream, 30 chunks: messages encoder + framing'] = () => {
    const encoder = new MessagesStreamEncoder('auto', 30);
    let bytes = 0;
    for (const chunk of stream) bytes += framing.item(encoder.onChunk(chunk)).length;
    return bytes + framing.item(encoder.end()).length;
  };
  const totals: Record<string, number[]> = {};
  for (const fn of Object.values(cases)) cpuPerCall(Math.ceil(iterations / 5), fn); // warm-up
  for (let round = 0; round < rounds; round++) {
    const names = Object.keys(cases);
    if (round % 2 === 1) names.reverse();
    for (const name of names) (totals[name] ??= []).push(cpuPerCall(iterations, cases[name]));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const load = loadavg()
    .map((value) => value.toFixed(1))
    .join(' / ');
  console.log(
    `\n/v1/messages translation overhead (CPU µs per call, median of ${rounds} rounds × ${iterations})`,
  );
  console.log(`load average (1/5/15 min): ${load} on ${cpus().length} CPUs\n`);
  console.log('| case | CPU µs per call |\n| --- | --- |');
  for (const [name, values] of Object.entries(totals))
    console.log(`| ${name} | ${median(values).toFixed(2)} |`);
  console.log('\n| overhead of /v1/messages over /v1/chat/completions | CPU µs per request |\n| --- | --- |');
  for (const name of Object.keys(anthropicBodies)) {
    const chat = median(totals[`${name}: chat (validate + serialize)`]);
    const messages = median(totals[`${name}: messages (translate in + out + serialize)`]);
    const clone = median(totals[`${name}: clone only (subtracted)`]);
    const alone = median(totals[`${name}: messages translation alone (in + out)`]) - clone;
    console.log(
      `| ${name}, non-streaming | ${(messages - chat).toFixed(2)} (translation alone: ${alone.toFixed(2)}) |`,
    );
  }
  const chatStream = median(totals['stream, 30 chunks: chat framing']);
  const messagesStream = median(totals['stream, 30 chunks: messages encoder + framing']);
  console.log(`| stream of 30 chunks (framing and events) | ${(messagesStream - chatStream).toFixed(2)} |`);
}

main();
