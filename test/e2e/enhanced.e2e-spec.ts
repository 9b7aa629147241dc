import { authHeader, bootTestApp, TestApp } from '../support/app';

describe('enhanced mode (embedded database, in-memory cache, trained intent model)', () => {
  let gateway: TestApp;

  beforeAll(async () => {
    gateway = await bootTestApp({ MODE: 'enhanced' });
  });
  afterAll(async () => gateway.close());

  const chat = (body: object, headers: Record<string, string> = {}) =>
    gateway.http.post('/v1/chat/completions').set(authHeader).set(headers).send(body);

  it('classifies with the trained model blended in', async () => {
    const response = await chat({
      messages: [{ role: 'user', content: 'Translate "see you tomorrow" into Spanish.' }],
    });
    expect(response.status).toBe(200);
    expect(response.body.router_metadata.intent_label).toBe('translation');
    expect(response.body.router_metadata.intent_method).not.toBe('heuristic');
  });

  it('serves a repeated deterministic request from cache at zero cost', async () => {
    const body = {
      model: 'gpt-4o-mini',
      temperature: 0,
      messages: [{ role: 'user', content: 'What is 17 * 23?' }],
    };
    const first = await chat(body).expect(200);
    const second = await chat(body).expect(200);
    expect(first.body.router_metadata.cache_hit).toBe(false);
    expect(second.body.router_metadata.cache_hit).toBe(true);
    expect(second.body.router_metadata.cost_usd).toBe(0);
    expect(second.headers['x-modelmuxer-cost-usd']).toBe('0.000000000');
    expect(second.body.choices).toEqual(first.body.choices);
    const metrics = await gateway.http.get('/metrics/prometheus').expect(200);
    expect(metrics.text).toMatch(/modelmuxer_cache_lookups_total\{result="hit"\} [1-9]/);
  });

  it('does not cache sampling requests unless asked, and never when told not to', async () => {
    const sampling = { temperature: 0.8, messages: [{ role: 'user', content: 'Name a colour.' }] };
    await chat(sampling).expect(200);
    expect((await chat(sampling).expect(200)).body.router_metadata.cache_hit).toBe(false);
    await chat(sampling, { 'x-modelmuxer-cache': 'true' }).expect(200);
    expect(
      (await chat(sampling, { 'x-modelmuxer-cache': 'true' }).expect(200)).body.router_metadata.cache_hit,
    ).toBe(true);
    const deterministic = { temperature: 0, messages: [{ role: 'user', content: 'Name a shape.' }] };
    await chat(deterministic, { 'x-modelmuxer-cache': 'false' }).expect(200);
    expect(
      (await chat(deterministic, { 'x-modelmuxer-cache': 'false' }).expect(200)).body.router_metadata
        .cache_hit,
    ).toBe(false);
  });

  it('ignores fields that do not change the answer, such as user, in the cache key', async () => {
    // Tenant scoping of the key is covered in src/caching/cache-key.spec.ts.
    const body = { temperature: 0, messages: [{ role: 'user', content: 'Tenant-scoped?' }] };
    await chat(body).expect(200);
    expect((await chat({ ...body, user: 'someone-else' }).expect(200)).body.router_metadata.cache_hit).toBe(
      true,
    );
  });
});
