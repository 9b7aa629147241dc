import { authHeader, bootTestApp, TEST_ADMIN_KEY, TestApp } from '../support/app';

/**
 * Regressions of issue 11's "5xx on bad input" findings, one by one (basic mode, embedded
 * database, simulator): each used to be a 500 or a 503.
 */
describe('bad input gets a clear 4xx (issue 11, found 5)', () => {
  let gateway: TestApp;
  const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
  const hi = { messages: [{ role: 'user', content: 'hi' }] };

  beforeAll(async () => {
    // BODY_LIMIT raised above the 8 MB default so that a 19 MB prompt reaches routing.
    gateway = await bootTestApp({ ADMIN_API_KEY: TEST_ADMIN_KEY, BODY_LIMIT: '24mb' }, { listen: true });
  }, 120_000);
  afterAll(async () => gateway?.close());

  async function post(path: string, headers: Record<string, string>, body: string | Buffer) {
    const response = await fetch(`${gateway.url}${path}`, { method: 'POST', headers, body });
    return { status: response.status, body: (await response.json()) as { error?: Record<string, unknown> } };
  }

  it.each(['gzip', 'deflate', 'br'])(
    'an invalid Content-Encoding %s is a 400 on every route, before auth',
    async (encoding) => {
      for (const path of ['/health', '/v1/chat/completions', '/admin/tenants']) {
        const response = await post(
          path,
          { 'content-type': 'application/json', 'content-encoding': encoding },
          'garbage',
        );
        expect([path, response.status, response.body.error?.code]).toEqual([path, 400, 'invalid_request']);
        expect(response.body.error?.message).toMatch(/Content-Encoding/);
      }
    },
  );

  it('JSON nested 3,000 deep is a 400 naming the limit', async () => {
    const deep = `{"messages":[{"role":"user","content":"hi"}],"metadata":${'['.repeat(3_000)}${']'.repeat(3_000)}}`;
    const response = await post(
      '/v1/chat/completions',
      { ...authHeader, 'content-type': 'application/json' },
      deep,
    );
    expect(response.status).toBe(400);
    expect(response.body.error?.message).toContain('JSON_MAX_DEPTH');
  });

  it('tools: [{"type":"function"}] is a 400 naming tools[0].function', async () => {
    const response = await gateway.http
      .post('/v1/chat/completions')
      .set(authHeader)
      .send({ ...hi, tools: [{ type: 'function' }] });
    expect(response.status).toBe(400);
    expect(response.body.error.param).toBe('tools[0].function');
  });

  it('max_tokens 1e12 and a 19 MB prompt are 400s, not 503s', async () => {
    const huge = await gateway.http
      .post('/v1/chat/completions')
      .set(authHeader)
      .send({ ...hi, max_tokens: 1e12 });
    expect(huge.status).toBe(400);
    const prompt = await gateway.http
      .post('/v1/chat/completions')
      .set(authHeader)
      .send({ messages: [{ role: 'user', content: 'lorem ipsum '.repeat(1_600_000) }] });
    expect(prompt.status).toBe(400);
    expect(prompt.body.error.code).toBe('context_length_exceeded');
  });

  it('admin names with NUL or lone surrogates, offset=1e20 are 400s', async () => {
    for (const body of ['{"name":"a\\u0000b"}', '{"name":"a\\ud800b"}', '{"name":"\\udc00"}']) {
      const response = await post('/admin/tenants', { ...admin, 'content-type': 'application/json' }, body);
      expect([body, response.status, response.body.error?.param]).toEqual([body, 400, 'name']);
    }
    const list = await gateway.http.get('/admin/tenants?offset=1e20').set(admin);
    expect(list.status).toBe(400);
    expect(list.body.error.param).toBe('offset');
  });

  it('limit_usd is rounded to nano-USD: 1e-12 is 0, 0.1 + 0.2 is 0.3', async () => {
    const tenant = await gateway.http
      .post('/admin/tenants')
      .set(admin)
      .send({ name: 'rounding' })
      .expect(201);
    const tiny = await gateway.http
      .put(`/admin/tenants/${tenant.body.id}/budget`)
      .set(admin)
      .send({ limit_usd: 1e-12, period: 'daily' });
    expect([tiny.status, tiny.body.limit_usd]).toEqual([200, 0]);
    const sum = await gateway.http
      .put(`/admin/tenants/${tenant.body.id}/budget`)
      .set(admin)
      .send({ limit_usd: 0.1 + 0.2, period: 'daily' });
    expect([sum.status, sum.body.limit_usd]).toEqual([200, 0.3]);
  });
});
