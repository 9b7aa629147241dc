import fc from 'fast-check';
import { validateSync } from 'class-validator';
import { toChatRequestDto } from './chat-completion.dto';
import { passesChatRequestFastCheck } from './chat-request-fast-check';

const FIELDS = [
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'n',
  'stop',
  'presence_penalty',
  'frequency_penalty',
  'seed',
  'user',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'logprobs',
  'top_logprobs',
  'logit_bias',
];

/** Values near every boundary the DTO has, and arbitrary JSON. */
const value = fc.oneof(
  fc.constantFrom(
    null,
    undefined,
    true,
    false,
    0,
    1,
    -1,
    2,
    2.0001,
    -2,
    -2.0001,
    0.5,
    1.5,
    20,
    21,
    128,
    129,
    4,
    5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 2,
    1e300,
    -0,
    '',
    'gpt-4o-mini',
    'a'.repeat(256),
    'a'.repeat(257),
    '😀'.repeat(128),
    '😀'.repeat(129),
    'none',
    'auto',
    'required',
    'other',
    [],
    [{}],
    ['a'],
    ['a', 'b', 'c', 'd'],
    ['a', 'b', 'c', 'd', 'e'],
    [1],
    {},
    { include_usage: true },
    { include_usage: 'yes' },
    { include_usage: null },
    { type: 'function', function: { name: 'f' } },
    { type: 'json_object' },
    { type: 'xml' },
  ),
  fc.jsonValue(),
  fc.double(),
  fc.integer(),
  fc.string(),
  fc.array(fc.string(), { maxLength: 6 }),
);

const body = fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 8 }).map((fields) => ({
  messages: [{ role: 'user', content: 'hi' }],
  ...fields,
}));

describe('chat request fast check', () => {
  it('never passes a body that class-validator rejects (so skipping class-validator is safe)', () => {
    fc.assert(
      fc.property(body, (candidate) => {
        const record = candidate as Record<string, unknown>;
        if (!passesChatRequestFastCheck(record)) return;
        const errors = validateSync(toChatRequestDto(record), { forbidUnknownValues: false });
        expect(errors.map((error) => error.property)).toEqual([]);
      }),
      { numRuns: 5_000 },
    );
  });

  it('never passes a field value that class-validator rejects, field by field', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIELDS), value, (field, fieldValue) => {
        const record: Record<string, unknown> = {
          messages: [{ role: 'user', content: 'hi' }],
          [field]: fieldValue,
        };
        if (!passesChatRequestFastCheck(record)) return;
        const errors = validateSync(toChatRequestDto(record), { forbidUnknownValues: false });
        expect(errors.map((error) => error.property)).toEqual([]);
      }),
      { numRuns: 10_000 },
    );
  });

  it('passes the ordinary bodies (the point of the fast path)', () => {
    const ordinary = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.7,
      max_tokens: 256,
      top_p: 1,
      n: 1,
      stop: ['\n\n'],
      user: 'u-1',
      tools: [],
      tool_choice: 'auto',
      unknown_field: { anything: true },
    };
    expect(passesChatRequestFastCheck(ordinary)).toBe(true);
    expect(passesChatRequestFastCheck({ ...ordinary, temperature: 3 })).toBe(false);
    expect(passesChatRequestFastCheck({ ...ordinary, messages: [] })).toBe(false);
    expect(passesChatRequestFastCheck({ ...ordinary, response_format: { type: 'text' } })).toBe(false);
    expect(passesChatRequestFastCheck({ model: 'x' })).toBe(false);
  });
});
