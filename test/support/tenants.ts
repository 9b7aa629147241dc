import type { Server } from 'node:http';
import request from 'supertest';

export interface TenantWithKey {
  tenantId: string;
  keyId: string;
  key: string;
}

/**
 * Creates a tenant and one API key through the admin API (as an operator would) and returns the
 * key shown once. `server` is an HTTP server or a base URL; `adminKey` is ADMIN_API_KEY.
 */
export async function createTenantWithKey(
  server: Server | string,
  adminKey: string,
  name: string,
  options: { keyName?: string; rateLimitRpm?: number } = {},
): Promise<TenantWithKey> {
  const admin = { Authorization: `Bearer ${adminKey}` };
  const body: Record<string, unknown> = { name };
  if (options.rateLimitRpm !== undefined) body.rate_limit_rpm = options.rateLimitRpm;
  const tenant = await request(server).post('/admin/tenants').set(admin).send(body).expect(201);
  const key = await request(server)
    .post(`/admin/tenants/${tenant.body.id}/keys`)
    .set(admin)
    .send({ name: options.keyName ?? `${name}-key` })
    .expect(201);
  return { tenantId: tenant.body.id, keyId: key.body.id, key: key.body.key };
}
