import { NodeSDK, tracing } from '@opentelemetry/sdk-node';
import { SpanKind } from '@opentelemetry/api';
import { authHeader } from '../support/app';
import { FakeUpstream, startFakeUpstream } from '../support/fake-upstream';
import { bootLoggedApp, LoggedApp } from '../support/log-capture';

const BOOT_TIMEOUT_MS = 90_000;
const MAX_CHARS = 400;

/**
 * OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT on: the provider spans carry
 * gen_ai.input.messages and gen_ai.output.messages (the spec's JSON), with PII redacted and each
 * bounded to GENAI_CONTENT_MAX_CHARS characters of content. (Off by default: gen-ai-spans.)
 */
describe('GenAI content capture (opt-in)', () => {
  const exporter = new tracing.InMemorySpanExporter();
  let sdk: NodeSDK;
  let fake: FakeUpstream;
  let gateway: LoggedApp;

  beforeAll(async () => {
    sdk = new NodeSDK({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)], instrumentations: [] });
    sdk.start();
    fake = await startFakeUpstream();
    gateway = await bootLoggedApp({
      ...fake.env(),
      TEST_MODE: 'false',
      PROVIDER_MAX_RETRIES: '0',
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'SPAN_ONLY',
      GENAI_CONTENT_MAX_CHARS: String(MAX_CHARS),
    });
  }, BOOT_TIMEOUT_MS);

  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
    await sdk?.shutdown();
  });

  beforeEach(() => {
    fake.reset();
    exporter.reset();
  });

  async function clientSpan(): Promise<tracing.ReadableSpan> {
    for (;;) {
      const spans = exporter.getFinishedSpans();
      if (spans.some((span) => span.kind === SpanKind.SERVER))
        return spans.find((span) => span.kind === SpanKind.CLIENT)!;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  const PII =
    'Mail jane.doe@example.com, card 4111 1111 1111 1111, key sk-proj-abcdefghijklmnopqrstuvwxyz012345.';

  it('a completion: input and output messages as JSON, PII redacted', async () => {
    fake.setDefault({ text: `Noted: write to jane.doe@example.com.` });
    await gateway.http
      .post('/v1/chat/completions')
      .set(authHeader)
      .send({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: [{ type: 'text', text: PII }] },
        ],
      })
      .expect(200);
    const span = await clientSpan();
    const input = JSON.parse(String(span.attributes['gen_ai.input.messages']));
    expect(input).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] },
      {
        role: 'user',
        parts: [{ type: 'text', content: 'Mail [EMAIL], card [CREDIT_CARD], key [SECRET].' }],
      },
    ]);
    const output = JSON.parse(String(span.attributes['gen_ai.output.messages']));
    expect(output).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'text', content: 'Noted: write to [EMAIL].' }],
        finish_reason: 'stop',
      },
    ]);
    expect(JSON.stringify(span.attributes)).not.toMatch(/jane\.doe|4111 1111|sk-proj-/);
  });

  it('a stream: the streamed text is the output message; long content is cut at the bound', async () => {
    fake.setDefault({ chunkDelayMs: 1, completionTokens: 400, chunkWords: 8 });
    const long = `${PII} ${'lorem ipsum '.repeat(200)}`;
    const response = await gateway.http
      .post('/v1/chat/completions')
      .set(authHeader)
      .send({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: long }] })
      .expect(200);
    expect(response.text).toContain('[DONE]');
    const span = await clientSpan();
    const input = JSON.parse(String(span.attributes['gen_ai.input.messages']));
    const text: string = input[0].parts[0].content;
    expect(text.startsWith('Mail [EMAIL], card [CREDIT_CARD], key [SECRET].')).toBe(true);
    expect(text.endsWith('…[truncated]')).toBe(true);
    expect(text.length).toBeLessThanOrEqual(MAX_CHARS + '…[truncated]'.length);
    const output = JSON.parse(String(span.attributes['gen_ai.output.messages']));
    expect(output[0].role).toBe('assistant');
    expect(output[0].finish_reason).toBe('stop');
    const answer: string = output[0].parts[0].content;
    expect(answer.length).toBeGreaterThan(0);
    expect(answer.length).toBeLessThanOrEqual(MAX_CHARS + '…[truncated]'.length);
  });
});
