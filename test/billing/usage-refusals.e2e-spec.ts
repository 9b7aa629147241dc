import { UsageRecorderService } from '../../src/billing/usage/usage-recorder.service';
import { bootTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/app';

const KEY_A = 'sk-refusals-a-0123456789';
const KEY_B = 'sk-refusals-b-0123456789';

/** Refusals reach the spend report through the one HTTP hook, counted per response. */
describe('refusals in the spend report (whole gateway)', () => {
  let gateway: TestApp;

  beforeAll(async () => {
    gateway = await bootTestApp({
      API_KEYS: `${KEY_A},${KEY_B}`,
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      RATE_LIMIT_RPM: '2',
    });
  });
  afterAll(async () => gateway?.close());

  const chat = (key: string, body: object) =>
    gateway.http.post('/v1/chat/completions').set('authorization', `Bearer ${key}`).send(body);

  it('counts rate-limited requests as refusals, and neither bad keys nor bad requests', async () => {
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello there' }] };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await chat(KEY_A, body)).status);
    expect(statuses).toEqual([200, 200, 429, 429, 429]);
    await chat('sk-wrong-key-0123456789', body).expect(401);
    await chat(KEY_B, { model: 'gpt-4o-mini', messages: 'not a list' }).expect(400);
    await gateway.app.get(UsageRecorderService).flush();

    const report = await gateway.http
      .get('/admin/usage')
      .query({ group_by: 'tenant,key,provider,model' })
      .set('authorization', `Bearer ${TEST_ADMIN_KEY}`)
      .expect(200);
    expect(report.body.totals.refusals).toBe(3);
    expect(report.body.totals.requests).toBe(2);
    const refused = report.body.groups.filter((g: { refusals: number }) => g.refusals > 0);
    expect(refused).toEqual([
      expect.objectContaining({
        tenant: '00000000-0000-0000-0000-000000000000',
        key: null,
        provider: '', // refused before routing: the model asked for, no provider
        model: 'gpt-4o-mini',
        requests: 0,
        refusals: 3,
        cost_usd: 0,
      }),
    ]);
  });
});
