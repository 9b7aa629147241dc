import type { ChatCompletionRequest } from '../common/openai/chat.types';
import type { IntentResult } from '../common/intent-labels';
import { buildRoutingInput } from './routing-input';

const intent: IntentResult = { label: 'chat_lite', confidence: 0.9, signals: null, method: 'heuristic' };

function request(extra: Partial<ChatCompletionRequest>): ChatCompletionRequest {
  return { messages: [{ role: 'user', content: 'Hello there!' }], ...extra };
}

describe('buildRoutingInput', () => {
  it('derives nothing special from a plain text request', () => {
    expect(buildRoutingInput(request({ model: 'gpt-4o-mini' }), intent, 12, null)).toEqual({
      requestedModel: 'gpt-4o-mini',
      intent,
      estimatedPromptTokens: 12,
      requestedMaxOutputTokens: null,
      needsVision: false,
      needsTools: false,
      needsJsonMode: false,
      needsStreaming: false,
      budgetRemainingRatio: null,
      budgetSoftLimitReached: false,
    });
  });

  it.each([
    [undefined, undefined],
    ['', undefined],
    ['  auto ', 'auto'],
    ['gpt-4.1', 'gpt-4.1'],
  ])('model %p → requestedModel %p', (model, expected) => {
    expect(buildRoutingInput(request({ model }), intent, 1, null).requestedModel).toBe(expected);
  });

  it('needs vision for image parts anywhere in the conversation', () => {
    const withImage = request({
      messages: [
        { role: 'system', content: 'Describe images.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
          ],
        },
      ],
    });
    expect(buildRoutingInput(withImage, intent, 100, null).needsVision).toBe(true);
    const textParts = request({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'no image' }] }],
    });
    expect(buildRoutingInput(textParts, intent, 5, null).needsVision).toBe(false);
  });

  it('needs tools for tool definitions (even with tool_choice none), legacy functions and tool history', () => {
    const tools = request({
      tools: [
        {
          type: 'function',
          function: { name: 'get_weather', parameters: { type: 'object', properties: {} } },
        },
      ],
      tool_choice: 'none',
    });
    expect(buildRoutingInput(tools, intent, 40, null).needsTools).toBe(true);
    expect(buildRoutingInput(request({ functions: [{ name: 'f' }] }), intent, 40, null).needsTools).toBe(
      true,
    );
    const history = request({
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
      ],
    });
    expect(buildRoutingInput(history, intent, 40, null).needsTools).toBe(true);
    expect(buildRoutingInput(request({ tools: [] }), intent, 40, null).needsTools).toBe(false);
  });

  it.each([
    [{ type: 'json_object' as const }, true],
    [{ type: 'json_schema' as const, json_schema: { name: 'x', schema: { type: 'object' } } }, true],
    [{ type: 'text' as const }, false],
  ])('response_format %j → needsJsonMode %p', (format, expected) => {
    expect(buildRoutingInput(request({ response_format: format }), intent, 1, null).needsJsonMode).toBe(
      expected,
    );
  });

  it('reads streaming and the requested output limit (max_completion_tokens over max_tokens)', () => {
    const input = buildRoutingInput(
      request({ stream: true, max_tokens: 100, max_completion_tokens: 300 }),
      intent,
      1,
      null,
    );
    expect(input.needsStreaming).toBe(true);
    expect(input.requestedMaxOutputTokens).toBe(300);
    expect(buildRoutingInput(request({ max_tokens: 64 }), intent, 1, null).requestedMaxOutputTokens).toBe(64);
  });

  it.each([
    [0.15, 0.15],
    [-0.5, 0],
    [3, 1],
    [Number.NaN, null],
    [null, null],
  ])('clamps the budget ratio %p → %p', (ratio, expected) => {
    expect(buildRoutingInput(request({}), intent, 1, ratio).budgetRemainingRatio).toBe(expected);
  });
});

describe('buildRoutingInput budget state', () => {
  const plain: ChatCompletionRequest = { messages: [{ role: 'user', content: 'hi' }] };

  it('carries the soft-limit flag only when a budget applies', () => {
    expect(buildRoutingInput(plain, intent, 5, 0.4, true).budgetSoftLimitReached).toBe(true);
    expect(buildRoutingInput(plain, intent, 5, 0.4).budgetSoftLimitReached).toBe(false);
    expect(buildRoutingInput(plain, intent, 5, null, true).budgetSoftLimitReached).toBe(false);
  });
});
