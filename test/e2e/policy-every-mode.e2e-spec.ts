import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DEFAULT_TENANT_ID } from '../../src/common/principal';
import { authHeader, bootTestApp, TEST_ADMIN_KEY, TestApp } from '../support/app';
import { createTestDatabase, describeIfPostgres, TestDatabase } from '../support/postgres';
import { createTenantWithKey } from '../support/tenants';

/**
 * Tenant policy outside production mode (issue 16 part 2): the admin API and the enforcement in
 * basic and enhanced mode on the embedded database (static keys belong to the `default` tenant),
 * the platform default policy from POLICY_FILE, and a change reaching another replica that shares
 * Postgres without Redis (the change-stamp poll).
 */
const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
const hello = { messages: [{ role: 'user', content: 'Say hello to the team.' }] };

function policyFile(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'mm-policy-e2e-')), 'policy.yaml');
  writeFileSync(path, yaml);
  return path;
}

describe.each(['basic', 'enhanced'])('tenant policy in %s mode (embedded database)', (mode) => {
  let gateway: TestApp;

  beforeAll(async () => {
    gateway = await bootTestApp({ MODE: mode, ADMIN_API_KEY: TEST_ADMIN_KEY });
  });
  afterAll(() => gateway?.close());

  const chat = (body: object) => gateway.http.post('/v1/chat/completions').set(authHeader).send(body);

  it('serves the policy admin API and enforces features, the output cap and PII for the static keys', async () => {
    const initial = await gateway.http
      .get(`/admin/tenants/${DEFAULT_TENANT_ID}/policy`)
      .set(admin)
      .expect(200);
    expect(initial.body.customised).toBe(false);
    await gateway.http
      .put(`/admin/tenants/${DEFAULT_TENANT_ID}/policy`)
      .set(admin)
      .send({
        features: { streaming: false },
        max_output_tokens: 16,
        pii: { action: 'redact', kinds: ['email'] },
      })
      .expect(200);

    const streamed = await chat({ ...hello, stream: true }).expect(400);
    expect(streamed.body.error).toMatchObject({ code: 'policy_violation', param: 'stream' });
    const tooLong = await chat({ ...hello, max_tokens: 500 }).expect(400);
    expect(tooLong.body.error).toMatchObject({ code: 'policy_violation', param: 'max_tokens' });

    const capped = await chat({
      messages: [{ role: 'user', content: 'Write a long essay and mail it to jane.doe@example.com.' }],
    }).expect(200);
    expect(capped.body.usage.completion_tokens).toBeLessThanOrEqual(16);
    expect(capped.body.router_metadata.policy_notes).toEqual(
      expect.arrayContaining(['pii_redacted: email×1', 'max_output_tokens: 16']),
    );

    await gateway.http.delete(`/admin/tenants/${DEFAULT_TENANT_ID}/policy`).set(admin).expect(204);
    await chat({ ...hello, stream: true }).expect(200);
  });
});

describe('the platform default policy (POLICY_FILE)', () => {
  let gateway: TestApp;

  beforeAll(async () => {
    const file = policyFile(
      'default:\n  features: { images: false }\n  allowed_endpoints: [chat_completions]\n  max_output_tokens: 32\n',
    );
    gateway = await bootTestApp({ MODE: 'enhanced', ADMIN_API_KEY: TEST_ADMIN_KEY, POLICY_FILE: file });
  });
  afterAll(() => gateway?.close());

  it('applies to tenants without a policy of their own and fills what a tenant policy omits', async () => {
    const shown = await gateway.http.get(`/admin/tenants/${DEFAULT_TENANT_ID}/policy`).set(admin).expect(200);
    expect(shown.body.policy).toMatchObject({
      max_output_tokens: 32,
      allowed_endpoints: ['chat_completions'],
    });

    const image = {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
          ],
        },
      ],
    };
    const refused = await gateway.http.post('/v1/chat/completions').set(authHeader).send(image).expect(400);
    expect(refused.body.error.code).toBe('policy_violation');
    const embeddings = await gateway.http
      .post('/v1/embeddings')
      .set(authHeader)
      .send({ model: 'text-embedding-3-small', input: 'hello' })
      .expect(400);
    expect(embeddings.body.error.message).toContain('/v1/embeddings');

    // A tenant policy that only opens images keeps the platform's endpoint list and cap.
    const put = await gateway.http
      .put(`/admin/tenants/${DEFAULT_TENANT_ID}/policy`)
      .set(admin)
      .send({ features: { images: true } })
      .expect(200);
    expect(put.body.policy).toMatchObject({ max_output_tokens: 32, allowed_endpoints: ['chat_completions'] });
    await gateway.http.post('/v1/chat/completions').set(authHeader).send(image).expect(200);
    // null exempts the tenant from a platform rule.
    await gateway.http
      .put(`/admin/tenants/${DEFAULT_TENANT_ID}/policy`)
      .set(admin)
      .send({ allowed_endpoints: null })
      .expect(200);
    await gateway.http
      .post('/v1/embeddings')
      .set(authHeader)
      .send({ model: 'text-embedding-3-small', input: 'hello' })
      .expect(200);
  });
});

describeIfPostgres('a policy change reaches a replica sharing Postgres without Redis', () => {
  let database: TestDatabase;
  const replicas: TestApp[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    for (let i = 0; i < 2; i++) {
      replicas.push(
        await bootTestApp(
          {
            MODE: 'enhanced',
            DATA_DIR: undefined,
            DATABASE_URL: database.url,
            ADMIN_API_KEY: TEST_ADMIN_KEY,
          },
          { listen: true },
        ),
      );
    }
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.close();
    await database?.drop();
  });

  it('applies on the other replica by polling the change stamp (put, then delete)', async () => {
    const [a, b] = replicas;
    const { tenantId, key } = await createTenantWithKey(a.url, TEST_ADMIN_KEY, 'polled');
    const streamOn = (url: string) =>
      request(url)
        .post('/v1/chat/completions')
        .set('authorization', `Bearer ${key}`)
        .send({ ...hello, stream: true });
    expect((await streamOn(b.url)).status).toBe(200);

    await request(a.url)
      .put(`/admin/tenants/${tenantId}/policy`)
      .set(admin)
      .send({ features: { streaming: false } });
    const applied = await until(async () => (await streamOn(b.url)).status === 400);
    await request(a.url).delete(`/admin/tenants/${tenantId}/policy`).set(admin).expect(204);
    const removed = await until(async () => (await streamOn(b.url)).status === 200);
    // The figure for docs/policy.md; the bound is the poll interval (0.5 s) plus a reload.
    process.stdout.write(
      `policy change seen by the other replica after ${applied} ms (put), ${removed} ms (delete)\n`,
    );
  });
});

/** Polls `check` until it holds; returns the time it took (ms). Fails after 20 s. */
async function until(check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > 20_000) throw new Error('the change never reached the other replica');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - started;
}
