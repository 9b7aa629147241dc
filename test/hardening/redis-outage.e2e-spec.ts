import { authHeader, bootTestApp, type TestApp } from '../support/app';

/**
 * Redis unreachable (enhanced mode): the shared client fails its commands, and the gateway must
 * keep answering — the response cache counts a miss (its lookup is bounded), nothing hangs — and
 * /health/ready takes the replica out of rotation. A port nothing listens on stands in for the outage.
 */
describe('gateway with Redis unreachable', () => {
  let gateway: TestApp;

  beforeAll(async () => {
    gateway = await bootTestApp({ MODE: 'enhanced', REDIS_URL: 'redis://127.0.0.1:1' });
  });
  afterAll(async () => gateway?.close());

  it('answers chat completions (the Redis cache lookup fails as a miss) and the repeat', async () => {
    const body = { model: 'auto', temperature: 0, messages: [{ role: 'user', content: 'What is 2 + 2?' }] };
    for (let i = 0; i < 2; i++) {
      const started = Date.now();
      const res = await gateway.http.post('/v1/chat/completions').set(authHeader).send(body);
      expect(res.status).toBe(200);
      expect(res.body.choices[0].message.content).toEqual(expect.any(String));
      // The first is a miss; the repeat may be served by the semantic cache (in process and in
      // the database, not in Redis).
      if (i === 0) expect(res.body.router_metadata.cache_hit).toBe(false);
      // Bounded: no Redis retry loop in the request path (generous for a loaded CI machine).
      expect(Date.now() - started).toBeLessThan(5_000);
    }
  });

  it('is not ready while Redis is unreachable (an OpenAI-shaped 503)', async () => {
    const res = await gateway.http.get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 'service_unavailable' });
  });
});
