import { AuditRecorderService } from '../../src/audit/audit-recorder.service';
import { bootTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/app';
import { createTenantWithKey, type TenantWithKey } from '../support/tenants';

/**
 * GET /admin/audit and /admin/tenants/:id/audit over HTTP (basic mode, embedded database): admin
 * changes and gateway decisions in one stream, the filters, CSV, and clear 400s for bad input.
 */
const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

describe('the audit trail admin API', () => {
  let gateway: TestApp;
  let acme: TenantWithKey;

  beforeAll(async () => {
    gateway = await bootTestApp({ ADMIN_API_KEY: TEST_ADMIN_KEY, RATE_LIMIT_RPM: '1' });
    acme = await createTenantWithKey(gateway.app.getHttpServer(), TEST_ADMIN_KEY, 'acme-audit');
    await gateway.http
      .put(`/admin/tenants/${acme.tenantId}/budget`)
      .set(admin)
      .send({ limit_usd: 5, period: 'daily' })
      .expect(200);
    const chat = () =>
      gateway.http
        .post('/v1/chat/completions')
        .set({ authorization: `Bearer ${acme.key}` })
        .send({ messages: [{ role: 'user', content: 'hi' }] });
    await chat().expect(200);
    await chat().expect(429);
    await gateway.app.get(AuditRecorderService).flush();
  }, 180_000);
  afterAll(async () => gateway?.close());

  it("lists a tenant's admin changes and gateway decisions in one stream, newest first", async () => {
    const page = await gateway.http.get(`/admin/tenants/${acme.tenantId}/audit`).set(admin).expect(200);
    expect(page.body.object).toBe('list');
    expect(page.body.data.map((row: { action: string }) => row.action)).toEqual([
      'request.refused_rate_limit',
      'budget.put',
      'api_key.create',
      'tenant.create',
    ]);
    const [refusal, budget] = page.body.data;
    expect(refusal).toMatchObject({
      decision: 'refused_rate_limit',
      tenant_id: acme.tenantId,
      api_key_id: acme.keyId,
      route: 'POST /v1/chat/completions',
      details: { code: 'rate_limit_exceeded', status: 429, limit_rpm: 1 },
    });
    expect(budget).toMatchObject({ decision: 'admin_change', actor: 'admin', tenant_id: acme.tenantId });
    const times = page.body.data.map((row: { created_at: string }) => Date.parse(row.created_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('filters by decision, key and time; pages with next_cursor', async () => {
    const only = await gateway.http
      .get('/admin/audit')
      .query({ tenant_id: acme.tenantId, decision: 'admin_change', limit: 2 })
      .set(admin)
      .expect(200);
    expect(only.body.data).toHaveLength(2);
    expect(only.body.has_more).toBe(true);
    const rest = await gateway.http
      .get('/admin/audit')
      .query({ tenant_id: acme.tenantId, decision: 'admin_change', limit: 2, cursor: only.body.next_cursor })
      .set(admin)
      .expect(200);
    expect(rest.body.data.map((row: { action: string }) => row.action)).toEqual(['tenant.create']);
    expect(rest.body.next_cursor).toBeNull();
    const byKey = await gateway.http.get('/admin/audit').query({ key_id: acme.keyId }).set(admin).expect(200);
    expect(byKey.body.data.map((row: { action: string }) => row.action)).toEqual([
      'request.refused_rate_limit',
      'api_key.create',
    ]);
    const future = await gateway.http
      .get('/admin/audit')
      .query({ from: new Date(Date.now() + 60_000).toISOString() })
      .set(admin)
      .expect(200);
    expect(future.body.data).toEqual([]);
  });

  it('exports CSV with ?format=csv or Accept: text/csv', async () => {
    const byFormat = await gateway.http
      .get(`/admin/tenants/${acme.tenantId}/audit`)
      .query({ format: 'csv', limit: 1 })
      .set(admin)
      .expect(200);
    expect(byFormat.headers['content-type']).toMatch(/^text\/csv/);
    expect(byFormat.headers['x-next-cursor']).toEqual(expect.any(String));
    const lines = byFormat.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'id,created_at,decision,tenant_id,api_key_id,request_id,route,policy_id,policy_version,model_before,model_after,actor,action,target_type,target_id,details',
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(',refused_rate_limit,');
    const byAccept = await gateway.http
      .get(`/admin/tenants/${acme.tenantId}/audit`)
      .set({ ...admin, accept: 'text/csv' })
      .expect(200);
    expect(byAccept.text.trimEnd().split('\r\n')).toHaveLength(5);
  });

  it('answers bad input with OpenAI-shaped 400s naming the parameter, and unknown tenants with 404', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ decision: 'refused_everything' }, 'decision'],
      [{ cursor: 'not-a-cursor' }, 'cursor'],
      [{ limit: '0' }, 'limit'],
      [{ limit: '1001' }, 'limit'],
      [{ from: 'yesterday' }, 'from'],
      [{ from: '2026-02-01', to: '2026-01-01' }, 'from'],
      [{ tenant_id: 'acme' }, 'tenant_id'],
      [{ format: 'xml' }, 'format'],
      [{ colour: 'red' }, 'colour'],
      [{ limit: '1e20' }, 'limit'],
      [{ tenant_id: '' }, 'tenant_id'],
    ];
    for (const [query, param] of cases) {
      const response = await gateway.http.get('/admin/audit').query(query).set(admin).expect(400);
      expect(response.body.error).toMatchObject({ type: 'invalid_request_error', param });
    }
    const repeated = await gateway.http
      .get('/admin/audit?decision=refused_budget&decision=pii_redacted')
      .set(admin)
      .expect(400);
    expect(repeated.body.error.param).toBe('decision');
    const missing = await gateway.http
      .get('/admin/tenants/0b7c4c62-4f5e-4d1a-9a57-3c1d2e8f9a00/audit')
      .set(admin)
      .expect(404);
    expect(missing.body.error.type).toBe('not_found_error');
    await gateway.http.get('/admin/audit').expect(401);
    await gateway.http
      .get('/admin/audit')
      .set({ authorization: `Bearer ${acme.key}` })
      .expect(401);
  });
});
