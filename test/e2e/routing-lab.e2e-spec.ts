import { readFileSync } from 'node:fs';
import { getToken } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { parse, stringify } from 'yaml';
import { DEFAULT_TENANT_ID } from '../../src/common/principal';
import { assignArm, stickyKey } from '../../src/routing/experiments/arm-assignment';
import { DecisionLogService } from '../../src/routing/lab/decision-log.service';
import { METRIC } from '../../src/telemetry/metrics';
import { ShadowResultsLog } from '../../src/routing/shadow/shadow-results-log.service';
import { ShadowRunner } from '../../src/routing/shadow/shadow-runner';
import { authHeader, bootTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/app';
import { createTestDatabase, describeIfPostgres, type TestDatabase } from '../support/postgres';

/**
 * The routing lab end to end (issue 18): traffic through the gateway in TEST_MODE is logged one
 * row per request (never the prompt text), and replaying the window under the same configuration
 * reproduces its actual cost (±1 %); a candidate policy moves requests and says where; the
 * tenant switch, the prompt hash, the retention cleanup and the admin API's validation.
 */
const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
const SECRET = 'zebra-quartz-7731';

const PROMPTS: object[] = [
  { messages: [{ role: 'user', content: `Write a Python function that parses ISO dates (${SECRET}).` }] },
  { messages: [{ role: 'user', content: 'Translate into French: the meeting moved to Thursday.' }] },
  { messages: [{ role: 'user', content: 'hi there, how are you?' }] },
  {
    messages: [{ role: 'user', content: 'Extract name and age as JSON: Ann is 31.' }],
    response_format: { type: 'json_object' },
  },
  { messages: [{ role: 'user', content: 'Prove that the square root of 2 is irrational, step by step.' }] },
  { model: 'gpt-4o', messages: [{ role: 'user', content: 'Summarise the plot of Hamlet in two lines.' }] },
  { messages: [{ role: 'user', content: 'Refactor this: function f(a){return a+1}' }], max_tokens: 64 },
  {
    messages: [{ role: 'user', content: 'Tell me a short story about a lighthouse.' }],
    stream: true,
    stream_options: { include_usage: true },
  },
];

async function generateTraffic(gateway: TestApp, rounds: number): Promise<number> {
  let sent = 0;
  for (let round = 0; round < rounds; round++) {
    for (const body of PROMPTS) {
      await gateway.http.post('/v1/chat/completions').set(authHeader).send(body).expect(200);
      sent++;
    }
  }
  return sent;
}

const WINDOW = {
  from: new Date(Date.now() - 3_600_000).toISOString(),
  to: new Date(Date.now() + 3_600_000).toISOString(),
};
const window = () => WINDOW;

function candidateRouting(patch: Record<string, unknown>): string {
  return stringify({ ...(parse(readFileSync('config/routing.yaml', 'utf8')) as object), ...patch });
}

function sameConfigReplayContract(boot: () => Promise<TestApp>) {
  let gateway: TestApp;
  let db: DataSource;
  let sent = 0;

  beforeAll(async () => {
    gateway = await boot();
    db = gateway.app.get(DataSource);
    sent = await generateTraffic(gateway, 3);
    await gateway.app.get(DecisionLogService).flush();
  });
  afterAll(() => gateway?.close());

  it('logs one row per request with the outcome, and never the prompt text', async () => {
    const rows: Array<Record<string, unknown>> = await db.query(
      `SELECT * FROM routing_decisions ORDER BY id`,
    );
    expect(rows).toHaveLength(sent);
    expect(JSON.stringify(rows)).not.toContain(SECRET);
    for (const row of rows) {
      expect(row.status).toBe(200);
      expect(row.input_version).toBe(1);
      expect(row.target_model).toEqual(expect.any(String));
      expect(row.served_model).toEqual(expect.any(String));
      expect(Number(row.cost_nano)).toBeGreaterThan(0);
      expect(row.prompt_tokens).toBeGreaterThan(0);
      expect(row.prompt_hash).toBeNull();
      expect((row.decision as { c: unknown[] }).c.length).toBeGreaterThan(0);
    }
    // The logged cost is the billed cost of the same requests.
    const [usage] = await db.query(
      `SELECT sum(u.cost_nano)::text AS billed, sum(d.cost_nano)::text AS logged
         FROM routing_decisions d JOIN usage_records u ON u.request_id = d.request_id`,
    );
    expect(usage.logged).toBe(usage.billed);
  });

  it('replays the window under the same configuration: nothing moves, actual cost within ±1 %', async () => {
    const report = (await gateway.http.post('/admin/routing/replay').set(admin).send(window()).expect(200))
      .body;
    expect(report).toMatchObject({ object: 'routing.replay', rows: sent, replayed: sent });
    expect(report.overall.moved).toBe(0);
    const { actual_cost_usd: actual, estimated_cost_usd: estimated } = report.overall;
    expect(actual).toBeGreaterThan(0);
    expect(Math.abs(estimated - actual)).toBeLessThanOrEqual(actual * 0.01);
    // Threshold suggestions: a handful of requests is too little data to suggest anything.
    expect(report.suggestions.target).toEqual({ max_below_floor_share: 0.02 });
    expect(report.suggestions.thresholds).toMatchObject({
      status: 'insufficient_data',
      suggested: null,
      current: { low_confidence: 0.4, min_conf_for_direct: 0.8 },
    });
    expect(report.suggestions.thresholds.note).toMatch(/too little data/);
    expect(report.suggestions.thresholds.evidence.sampled).toBeGreaterThan(0);
    expect(report.suggestions.thresholds.evidence.sampled).toBeLessThan(sent);
    const [billed] = await db.query(`SELECT sum(cost_nano)::float8 / 1e9 AS usd FROM usage_records`);
    expect(actual).toBeCloseTo(billed.usd, 9);
    const again = (await gateway.http.post('/admin/routing/replay').set(admin).send(window()).expect(200))
      .body;
    expect({ ...again, elapsed_ms: 0 }).toEqual({ ...report, elapsed_ms: 0 });
  });

  it('replays a candidate policy: the requests that move, where, and the cost delta', async () => {
    const report = (
      await gateway.http
        .post('/admin/routing/replay')
        .set(admin)
        .send({ ...window(), routing: candidateRouting({ weights: { cost: 0, quality: 1 } }) })
        .expect(200)
    ).body;
    expect(report.overall.moved).toBeGreaterThan(0);
    expect(report.overall.moves[0]).toMatchObject({ from: expect.any(String), to: expect.any(String) });
    expect(report.overall.cost_delta_usd).toBeGreaterThan(0);
    expect(Object.keys(report.by_intent).length).toBeGreaterThan(1);
  });
}

describe('routing lab on the embedded database', () => {
  sameConfigReplayContract(() => bootTestApp({ MODE: 'basic', ADMIN_API_KEY: TEST_ADMIN_KEY }));
});

describeIfPostgres('routing lab on Postgres', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  sameConfigReplayContract(() =>
    bootTestApp({ MODE: 'basic', ADMIN_API_KEY: TEST_ADMIN_KEY, DATABASE_URL: database.url }),
  );
  // Declared after the contract's own afterAll, so it runs after the gateway has closed: dropping
  // the database first terminated the gateway's open connections.
  afterAll(() => database?.drop());
});

describe('routing lab: tenant switch, prompt hash, retention, validation', () => {
  let gateway: TestApp;
  let db: DataSource;
  const chat = () => gateway.http.post('/v1/chat/completions').set(authHeader).send(PROMPTS[0]).expect(200);
  const logged = async () =>
    (await db.query(`SELECT count(*)::int AS n FROM routing_decisions`))[0].n as number;

  beforeAll(async () => {
    gateway = await bootTestApp({
      MODE: 'basic',
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      DECISION_LOG_RETENTION_DAYS: '30',
      // The shadow is on, but no tenant takes part until its own setting says so (the shadow cases below).
      SHADOW_ENABLED: 'true',
      BUDGET_LIMIT_USD: '1000',
      SHADOW_DEFAULT_ON: 'false',
      SHADOW_CLASSIFIER: 'model',
      SHADOW_LOW_CONFIDENCE: '0.99',
      SHADOW_MIN_CONF_FOR_DIRECT: '0.995',
    });
    db = gateway.app.get(DataSource);
  });
  afterAll(() => gateway?.close());

  it('is on by default and off for a tenant whose policy says so', async () => {
    const log = gateway.app.get(DecisionLogService);
    await chat();
    await log.flush();
    expect(await logged()).toBe(1);
    const put = await gateway.http
      .put(`/admin/tenants/${DEFAULT_TENANT_ID}/policy`)
      .set(admin)
      .send({ decision_log: { enabled: false } })
      .expect(200);
    expect(put.body.policy.decision_log).toEqual({ enabled: false, prompt_hash: false });
    await chat();
    await log.flush();
    expect(await logged()).toBe(1);
  });

  it('keeps a SHA-256 of the prompt when the tenant opts in, never the text', async () => {
    await gateway.http
      .put(`/admin/tenants/${DEFAULT_TENANT_ID}/policy`)
      .set(admin)
      .send({ decision_log: { enabled: true, prompt_hash: true } })
      .expect(200);
    await chat();
    await chat();
    await gateway.app.get(DecisionLogService).flush();
    const rows: Array<{ h: string | null }> = await db.query(
      `SELECT encode(prompt_hash, 'hex') AS h FROM routing_decisions WHERE prompt_hash IS NOT NULL`,
    );
    expect(rows).toHaveLength(2);
    expect(rows[0].h).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[1].h).toBe(rows[0].h); // the same prompt: deduplicable
    await gateway.http.delete(`/admin/tenants/${DEFAULT_TENANT_ID}/policy`).set(admin).expect(204);
  });

  it('logs requests routing refuses too (status, no served model)', async () => {
    const before = await logged();
    await gateway.http
      .post('/v1/chat/completions')
      .set(authHeader)
      .send({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] })
      .expect(404);
    await gateway.app.get(DecisionLogService).flush();
    expect(await logged()).toBe(before + 1);
    const [row] = await db.query(
      `SELECT status, served_model FROM routing_decisions ORDER BY id DESC LIMIT 1`,
    );
    expect(row).toEqual({ status: 404, served_model: null });
  });

  it('deletes rows past the retention and keeps the others', async () => {
    await db.query(
      `INSERT INTO routing_decisions (created_at, request_id, tenant_id, input_version, inputs, decision, status)
       VALUES (now() - interval '31 days', 'old', $1, 1, '{}', '{}', 200)`,
      [DEFAULT_TENANT_ID],
    );
    const before = await logged();
    expect(await gateway.app.get(DecisionLogService).cleanup()).toBe(1);
    expect(await logged()).toBe(before - 1);
  });

  it('applies thresholds and floors only when an admin calls: stored, audited, used by routing and logged', async () => {
    const explain = () =>
      gateway.http.post('/v1/router/explain').set(authHeader).send(PROMPTS[2]).expect(200);
    expect(JSON.stringify((await explain()).body)).not.toContain('0.97');
    const before = (await gateway.http.get('/admin/routing/thresholds').set(admin).expect(200)).body;
    expect(before).toMatchObject({
      low_confidence: 0.4,
      min_conf_for_direct: 0.8,
      quality_floors: {},
      version: 0,
    });
    // A replay report suggests; it never applies.
    await gateway.http.post('/admin/routing/replay').set(admin).send(window()).expect(200);
    expect((await gateway.http.get('/admin/routing/thresholds').set(admin).expect(200)).body.version).toBe(0);

    const applied = await gateway.http
      .post('/admin/routing/thresholds/apply')
      .set(admin)
      .send({ low_confidence: 0.3, min_conf_for_direct: 0.7, quality_floors: { chat_lite: 0.97 } })
      .expect(200);
    expect(applied.body).toMatchObject({
      object: 'routing.thresholds',
      low_confidence: 0.3,
      min_conf_for_direct: 0.7,
      quality_floors: { chat_lite: 0.97 },
      version: 1,
      defaults: { low_confidence: 0.4, min_conf_for_direct: 0.8 },
    });
    const [audit] = await db.query(
      `SELECT actor, target_type, target_id, details FROM audit_log WHERE action = 'routing.thresholds.apply'`,
    );
    expect(audit).toMatchObject({ actor: 'admin', target_type: 'routing', target_id: 'thresholds' });
    expect(audit.details).toMatchObject({
      before: { low_confidence: 0.4, min_conf_for_direct: 0.8, quality_floors: {} },
      after: { low_confidence: 0.3, min_conf_for_direct: 0.7, quality_floors: { chat_lite: 0.97 } },
    });
    // Routing uses them: the chat_lite floor in the explanation, the thresholds in the decision log.
    expect(JSON.stringify((await explain()).body)).toContain('0.97');
    await chat();
    await gateway.app.get(DecisionLogService).flush();
    const [row] = await db.query(`SELECT inputs FROM routing_decisions ORDER BY id DESC LIMIT 1`);
    expect(row.inputs.th).toEqual([0.3, 0.7]);

    // Validated: low above direct, an unknown label, nothing to apply; platform admins only.
    const bad = await gateway.http
      .post('/admin/routing/thresholds/apply')
      .set(admin)
      .send({ low_confidence: 0.9 })
      .expect(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_value', param: 'low_confidence' });
    const label = await gateway.http
      .post('/admin/routing/thresholds/apply')
      .set(admin)
      .send({ quality_floors: { safety_risk: 0.5 } })
      .expect(400);
    expect(label.body.error.param).toBe('quality_floors');
    await gateway.http.post('/admin/routing/thresholds/apply').set(admin).send({}).expect(400);
    await gateway.http
      .post('/admin/routing/thresholds/apply')
      .set(authHeader)
      .send({ low_confidence: 0.5 })
      .expect(403);

    // Back to the env values and routing.yaml's floor.
    const reset = await gateway.http
      .post('/admin/routing/thresholds/apply')
      .set(admin)
      .send({ low_confidence: 0.4, min_conf_for_direct: 0.8, quality_floors: { chat_lite: null } })
      .expect(200);
    expect(reset.body).toMatchObject({ quality_floors: {}, version: 2 });
  });

  it('validates the replay request and is for admins only', async () => {
    await gateway.http.post('/admin/routing/replay').send(window()).expect(401);
    // A client key is a known key with the wrong role: 403 permission_denied (docs/security.md).
    await gateway.http.post('/admin/routing/replay').set(authHeader).send(window()).expect(403);
    const bad = await gateway.http
      .post('/admin/routing/replay')
      .set(admin)
      .send({ ...window(), routing: 'weights: {cost: 1}' })
      .expect(400);
    expect(bad.body.error).toMatchObject({ param: 'routing' });
    const backwards = await gateway.http
      .post('/admin/routing/replay')
      .set(admin)
      .send({ from: window().to, to: window().from })
      .expect(400);
    expect(backwards.body.error.param).toBe('from');
    await gateway.http
      .post('/admin/routing/replay')
      .set(admin)
      .send({ ...window(), extra: 1 })
      .expect(400);
  });

  describe('A/B experiments', () => {
    const experiments = `/admin/tenants/${DEFAULT_TENANT_ID}/experiments`;
    const CODE = PROMPTS[0];
    const arms = [
      { name: 'control', weight: 1 },
      { name: 'quality', weight: 1, routing: candidateRouting({ weights: { cost: 0, quality: 1 } }) },
    ];
    let experimentId = '';
    /** A client key of the default tenant in each arm (created until the pure assignment puts one in each). */
    const keyOf: Record<string, string> = {};
    const ask = async (arm: string) =>
      (
        await gateway.http
          .post('/v1/chat/completions')
          .set({ authorization: `Bearer ${keyOf[arm]}` })
          .send(CODE)
          .expect(200)
      ).body.router_metadata as { experiment?: { id: string; arm: string }; selected_model: string };

    it('validates an experiment: the arms’ routing like a replay’s candidate, and platform admins only', async () => {
      const bad = await gateway.http
        .post(experiments)
        .set(admin)
        .send({ name: 'bad', arms: [arms[0], { ...arms[1], routing: 'weights: {cost: 1}' }] })
        .expect(400);
      expect(bad.body.error).toMatchObject({ code: 'invalid_value', param: 'arms[1].routing' });
      await gateway.http.post(experiments).set(authHeader).send({ name: 'x', arms }).expect(403);
    });

    it('splits the tenant’s traffic by sticky key, labels each answer with its arm, and refuses a second experiment', async () => {
      const created = await gateway.http.post(experiments).set(admin).send({ name: 'quality weights', arms });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ object: 'routing.experiment', status: 'running', sticky: 'key' });
      experimentId = created.body.id as string;
      const armed = arms.map((arm) => ({ name: arm.name, weight: arm.weight, active: true }));
      for (let i = 0; i < 40 && Object.keys(keyOf).length < 2; i++) {
        const key = (
          await gateway.http
            .post(`/admin/tenants/${DEFAULT_TENANT_ID}/keys`)
            .set(admin)
            .send({ name: `ab-${i}` })
        ).body as { id: string; key: string };
        const arm = assignArm(
          armed,
          experimentId,
          stickyKey('key', { tenantId: DEFAULT_TENANT_ID, keyIdentity: key.id, firstUserMessage: null }),
        )!;
        keyOf[arm] ??= key.key;
      }
      expect(Object.keys(keyOf).sort()).toEqual(['control', 'quality']);
      const seen: Record<string, string[]> = { control: [], quality: [] };
      for (let round = 0; round < 3; round++) {
        for (const arm of ['control', 'quality']) {
          const metadata = await ask(arm);
          expect(metadata.experiment).toEqual({ id: experimentId, arm });
          seen[arm].push(metadata.selected_model);
        }
      }
      // The quality arm routes code elsewhere (the replay's candidate moves code, docs/routing.md).
      expect(new Set(seen.control).size).toBe(1);
      expect(seen.quality[0]).not.toBe(seen.control[0]);
      // The explanation names the arm too (and is not counted).
      const explained = await gateway.http
        .post('/v1/router/explain')
        .set({ authorization: `Bearer ${keyOf.quality}` })
        .send(CODE)
        .expect(200);
      expect(explained.body).toMatchObject({
        experiment: { id: experimentId, arm: 'quality' },
        selected_model: seen.quality[0],
      });
      const counter = gateway.app.get<Counter<string>>(getToken(METRIC.experimentRequests));
      const counted = (await counter.get()).values.filter((v) => v.labels.experiment === experimentId);
      expect(counted.map((v) => [v.labels.arm, v.value]).sort()).toEqual([
        ['control', 3],
        ['quality', 3],
      ]);
      const again = await gateway.http
        .post(experiments)
        .set(admin)
        .send({ name: 'second', arms })
        .expect(409);
      expect(again.body.error).toMatchObject({ code: 'conflict', param: 'replace_running' });
    });

    it('stops an arm with one call: its traffic moves to the other arm at once', async () => {
      const stopped = await gateway.http
        .post(`${experiments}/${experimentId}/stop`)
        .set(admin)
        .send({ arm: 'quality' })
        .expect(200);
      expect(stopped.body).toMatchObject({
        status: 'running',
        arms: [{ status: 'running' }, { status: 'stopped' }],
      });
      const moved = await ask('quality');
      expect(moved.experiment).toEqual({ id: experimentId, arm: 'control' });
      expect((await ask('control')).experiment?.arm).toBe('control');
      const listed = await gateway.http.get(experiments).set(admin).expect(200);
      expect(listed.body.data.map((e: { id: string }) => e.id)).toContain(experimentId);
    });

    it('reports per arm from the decision log: requests, cost, latency percentiles, error and fallback rates with intervals', async () => {
      await gateway.app.get(DecisionLogService).flush();
      const rows: Array<{ arm: string; n: number }> = await db.query(
        `SELECT experiment_arm AS arm, count(*)::int AS n FROM routing_decisions WHERE experiment_id = $1
          GROUP BY experiment_arm ORDER BY 1`,
        [experimentId],
      );
      expect(rows).toEqual([
        { arm: 'control', n: 5 },
        { arm: 'quality', n: 3 },
      ]);
      const report = (await gateway.http.get(`${experiments}/${experimentId}/report`).set(admin).expect(200))
        .body;
      expect(report).toMatchObject({ object: 'routing.experiment.report', requests: 8, confidence: 0.95 });
      const [control, quality] = report.arms;
      expect(control).toMatchObject({ arm: 'control', status: 'running', requests: 5 });
      expect(quality).toMatchObject({ arm: 'quality', status: 'stopped', requests: 3 });
      for (const arm of [control, quality]) {
        expect(arm.cost.total_usd).toBeGreaterThan(0);
        expect(arm.cost.per_request_usd).toBeCloseTo(arm.cost.total_usd / arm.requests, 12);
        expect(arm.latency_ms.p50.value).toEqual(expect.any(Number));
        expect(arm.latency_ms.p95.ci95.high).toBeGreaterThanOrEqual(arm.latency_ms.p95.value);
        expect(arm.errors).toMatchObject({ count: 0, rate: 0 });
        expect(arm.errors.ci95.high).toBeGreaterThan(0);
        expect(arm.fallbacks).toMatchObject({ count: 0, rate: 0 });
      }
      // The quality arm routes code to a dearer model.
      expect(quality.cost.per_request_usd).toBeGreaterThan(control.cost.per_request_usd);
    });

    it('stops the experiment: the tenant routes as without it', async () => {
      await gateway.http.post(`${experiments}/${experimentId}/stop`).set(admin).send({}).expect(200);
      expect((await ask('quality')).experiment).toBeUndefined();
      const got = await gateway.http.get(`${experiments}/${experimentId}`).set(admin).expect(200);
      expect(got.body).toMatchObject({ status: 'stopped', stopped_at: expect.any(String) });
    });
  });

  /* ---- Shadow classification and routing (issue 18 item 4) ---- */

  const shadowSetting = (body: object) =>
    gateway.http.put(`/admin/routing/shadow/tenants/${DEFAULT_TENANT_ID}`).set(admin).send(body).expect(200);
  const settle = async () => {
    await gateway.app.get(ShadowRunner).settle();
    await gateway.app.get(ShadowResultsLog).flush();
  };
  const shadowRows = async () =>
    (await db.query(`SELECT count(*)::int AS n FROM routing_shadow_results`))[0].n as number;
  /** Timing fields differ between any two requests; everything else must not. */
  const untimed = (body: { created: number; router_metadata: Record<string, unknown> }) => ({
    ...body,
    created: 0,
    router_metadata: { ...body.router_metadata, latency_ms: 0 },
  });

  it('shadow: the response is the same with the shadow on or off, and nothing is evaluated when off', async () => {
    const send = (body: object) =>
      gateway.http
        .post('/v1/chat/completions')
        .set({ ...authHeader, 'x-request-id': 'shadow-isolation-1' })
        .send(body)
        .expect(200);
    for (const body of [PROMPTS[0], PROMPTS[3]]) {
      await shadowSetting({ enabled: false });
      const off = await send(body);
      await settle();
      const rowsOff = await shadowRows();
      await shadowSetting({ enabled: true, sample_rate: 1 });
      const on = await send(body);
      await settle();
      expect(await shadowRows()).toBe(rowsOff + 1);
      expect(JSON.stringify(untimed(on.body))).toBe(JSON.stringify(untimed(off.body)));
      expect(on.body.router_metadata.selected_model ?? on.body.model).toBe(
        off.body.router_metadata.selected_model ?? off.body.model,
      );
    }
  });

  it('shadow: logs the candidate label and route per request; the report sums agreement, confusion and cost delta', async () => {
    await shadowSetting({ enabled: true, sample_rate: 1 });
    await db.query(`DELETE FROM routing_shadow_results`);
    for (const body of PROMPTS)
      await gateway.http.post('/v1/chat/completions').set(authHeader).send(body).expect(200);
    await settle();
    const rows: Array<{ live_model: string; shadow_model: string; live_label: string }> = await db.query(
      `SELECT * FROM routing_shadow_results`,
    );
    expect(rows).toHaveLength(PROMPTS.length);
    expect(JSON.stringify(rows)).not.toContain(SECRET);
    // SHADOW_LOW_CONFIDENCE 0.99: hardly any label is trusted, auto requests take the default route.
    expect(rows.some((row) => row.live_model !== row.shadow_model)).toBe(true);
    const report = (
      await gateway.http.get('/admin/routing/shadow/report').query(window()).set(admin).expect(200)
    ).body;
    expect(report).toMatchObject({
      object: 'routing.shadow_report',
      requests: PROMPTS.length,
      candidate: { classifier: 'model', thresholds: { lowConfidence: 0.99, minConfForDirect: 0.995 } },
    });
    expect(report.route_agreement_rate).toBeLessThan(1);
    expect(report.moves.length).toBeGreaterThan(0);
    const perLabel = Object.values(report.by_live_label) as Array<{ requests: number }>;
    expect(perLabel.reduce((sum, label) => sum + label.requests, 0)).toBe(PROMPTS.length);
    expect(report.process.queue).toMatchObject({ dropped: 0 });
    await gateway.http.get('/admin/routing/shadow/report').query({ from: 'x' }).set(admin).expect(400);
    await gateway.http.get('/admin/routing/shadow/report').set(authHeader).expect(403);
  });

  it("shadow requests: paid from the shadow budget only, never the tenant's usage or budget", async () => {
    await db.query(`DELETE FROM routing_shadow_results`);
    const setting = await shadowSetting({
      enabled: true,
      sample_rate: 1,
      requests: { enabled: true, sample_rate: 1, budget_usd: 5 },
    });
    expect(setting.body.setting.requests).toMatchObject({ enabled: true, budget_usd: 5, spent_usd: 0 });
    const usage = async () =>
      (
        await db.query(
          `SELECT count(*)::int AS n, coalesce(sum(cost_nano), 0)::text AS cost FROM usage_records`,
        )
      )[0];
    const budget = async () =>
      (
        await db
          .query(`SELECT coalesce(sum(spent_nano), 0)::text AS spent FROM budget_counters`)
          .catch(() => [{ spent: 'n/a' }])
      )[0].spent;
    const before = { usage: await usage(), budget: await budget() };
    const live = [PROMPTS[0], PROMPTS[2], PROMPTS[4]];
    for (const body of live)
      await gateway.http.post('/v1/chat/completions').set(authHeader).send(body).expect(200);
    await settle();
    await gateway.app.get(DecisionLogService).flush();
    const after = { usage: await usage(), budget: await budget() };
    // One usage row per live request, none for the shadow requests.
    expect(after.usage.n).toBe(before.usage.n + live.length);
    const [liveRows] = await db.query(
      `SELECT coalesce(sum(cost_nano), 0)::text AS cost FROM routing_decisions
        WHERE request_id IN (SELECT request_id FROM routing_shadow_results)`,
    );
    expect(BigInt(after.usage.cost) - BigInt(before.usage.cost)).toBe(BigInt(liveRows.cost));
    const pairs: Array<{ shadow_request: { status: number; cost_nano: number; live: object | null } }> =
      await db.query(`SELECT shadow_request FROM routing_shadow_results WHERE shadow_request IS NOT NULL`);
    expect(pairs).toHaveLength(live.length);
    const shadowCost = pairs.reduce((sum, row) => sum + row.shadow_request.cost_nano, 0);
    expect(shadowCost).toBeGreaterThan(0);
    for (const row of pairs)
      expect(row.shadow_request).toMatchObject({ status: 200, live: expect.any(Object) });
    // The tenant's budget counters moved by the live cost only (when the mode keeps any).
    if (before.budget !== 'n/a')
      expect(BigInt(after.budget) - BigInt(before.budget)).toBe(
        BigInt(after.usage.cost) - BigInt(before.usage.cost),
      );
    const spent = await gateway.http
      .get(`/admin/routing/shadow/tenants/${DEFAULT_TENANT_ID}`)
      .set(admin)
      .expect(200);
    expect(Math.round(spent.body.setting.requests.spent_usd * 1e9)).toBe(shadowCost);
    const report = (
      await gateway.http.get('/admin/routing/shadow/report').query(window()).set(admin).expect(200)
    ).body;
    expect(report.shadow_requests).toMatchObject({ pairs: live.length, errors: 0 });
    await shadowSetting({ enabled: false, requests: { enabled: false } });
  });
});
