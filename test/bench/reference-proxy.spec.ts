import { referenceConfig, startReference, type ReferenceKind } from '../../bench/reference-proxy';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';

/**
 * The bench's reference proxies (the framework floor the breakdown compares the gateway with)
 * must do the work they stand for: relay a real chat completion from the fake upstream, with the
 * client's body and the upstream key, and relay an upstream error's status.
 */
describe('bench reference proxies', () => {
  let upstream: FakeUpstream;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ host: '127.0.0.1', port: 0, completionTokens: 5 });
  });
  afterAll(() => upstream.close());
  beforeEach(() => upstream.reset());

  it('rejects an unknown kind and a missing upstream', () => {
    expect(() => referenceConfig({ REFERENCE_KIND: 'fastify', OPENAI_BASE_URL: 'http://x' })).toThrow(
      /REFERENCE_KIND/,
    );
    expect(() => referenceConfig({})).toThrow(/OPENAI_BASE_URL/);
  });

  it.each<ReferenceKind>(['node-http', 'nest-express'])('%s relays a chat completion', async (kind) => {
    const config = referenceConfig({
      REFERENCE_KIND: kind,
      OPENAI_BASE_URL: `${upstream.baseUrls.openai}/`,
      OPENAI_API_KEY: 'sk-fake-openai',
      PORT: '0',
    });
    const reference = await startReference(config);
    try {
      const port = reference.port();
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(ready.status).toBe(200);
      const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }] };
      const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer anything' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
      const json = (await response.json()) as {
        object: string;
        choices: Array<{ message: { content: string } }>;
        usage: { completion_tokens: number };
      };
      expect(json.object).toBe('chat.completion');
      expect(json.choices[0].message.content.length).toBeGreaterThan(0);
      expect(upstream.requests).toHaveLength(1);
      expect(upstream.requests[0].body).toEqual(body);
      expect(upstream.requests[0].headers.authorization).toBe('Bearer sk-fake-openai');

      upstream.enqueue({ status: 429 });
      const limited = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(limited.status).toBe(429);
      expect(((await limited.json()) as { error: { type: string } }).error.type).toBeTruthy();
    } finally {
      await reference.close();
    }
  });
});
