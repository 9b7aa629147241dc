import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { bootTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/app';
import { exposedSeriesNames, promqlMetricNames, sampledSeriesNames } from '../support/promql';
import { createTenantWithKey } from '../support/tenants';

/**
 * deploy/observability: the Grafana dashboard and the Prometheus alert rules are valid (JSON,
 * YAML, the rule-file shape; `promtool check rules` when promtool is installed), the
 * PrometheusRule carries exactly the rules of alerts.yaml, and every metric any of their PromQL
 * expressions queries exists in the /metrics/prometheus output of a booted gateway after some
 * traffic (names extracted from the expressions, never listed by hand).
 */
const ROOT = join(__dirname, '..', '..');
const DIR = join(ROOT, 'deploy', 'observability');
const BOOT_TIMEOUT_MS = 90_000;

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: Array<{ name: string; rules: Rule[] }>;
}
interface Panel {
  type: string;
  title: string;
  targets?: Array<{ expr?: string }>;
  panels?: Panel[];
}

const alerts = parse(readFileSync(join(DIR, 'alerts.yaml'), 'utf8')) as RuleFile;
const dashboard = JSON.parse(readFileSync(join(DIR, 'grafana-dashboard.json'), 'utf8')) as {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string }> };
};

function panelsOf(panels: Panel[]): Panel[] {
  return panels.flatMap((panel) => [panel, ...panelsOf(panel.panels ?? [])]);
}
const dashboardExpressions = panelsOf(dashboard.panels).flatMap((panel) =>
  (panel.targets ?? []).flatMap((target) => (target.expr ? [{ where: panel.title, expr: target.expr }] : [])),
);
const alertExpressions = alerts.groups.flatMap((group) =>
  group.rules.map((rule) => ({ where: rule.alert ?? rule.record ?? '?', expr: rule.expr })),
);

describe('PromQL metric-name extraction', () => {
  it('finds the selected metrics and nothing else', () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.99, sum by (le, provider) (rate(foo_seconds_bucket{route="/v1/x", a=~"b|c"}[$__rate_interval])))',
      ),
    ).toEqual(['foo_seconds_bucket']);
    expect(
      promqlMetricNames(
        'sum(rate(a_total{x="1"}[5m])) / clamp_min(sum without (y) (b_total), 1e-9) > 0.05 unless on (z) c == bool 1',
      ),
    ).toEqual(['a_total', 'b_total', 'c']);
    expect(promqlMetricNames('bottomk(15, min by (tenant) (ratio))')).toEqual(['ratio']);
    expect(promqlMetricNames('up offset 5m')).toEqual(['up']);
  });
});

describe('deploy/observability', () => {
  it('alerts.yaml: rule groups with named alerts, expressions, severities and summaries', () => {
    expect(alerts.groups.length).toBeGreaterThan(0);
    const names = alertExpressions.map((rule) => rule.where);
    expect(new Set(names).size).toBe(names.length);
    for (const group of alerts.groups) {
      for (const rule of group.rules) {
        expect([rule.alert, typeof rule.expr]).toEqual([rule.alert, 'string']);
        expect([rule.alert, rule.labels?.severity]).toEqual([
          rule.alert,
          expect.stringMatching(/^(critical|warning|info)$/),
        ]);
        expect([rule.alert, typeof rule.annotations?.summary]).toEqual([rule.alert, 'string']);
        if (rule.for !== undefined) expect(rule.for).toMatch(/^\d+[smh]$/);
      }
    }
  });

  it('alerts cover errors, providers, circuits, budgets, latency, event-loop lag, database and Redis', () => {
    const all = alertExpressions.map((rule) => rule.expr).join('\n');
    for (const metric of [
      'modelmuxer_http_requests_total',
      'modelmuxer_provider_requests_total',
      'modelmuxer_circuit_open',
      'modelmuxer_budget_remaining_ratio',
      'modelmuxer_http_request_duration_seconds_bucket',
      'nodejs_eventloop_lag_p99_seconds',
    ])
      expect([metric, all.includes(metric)]).toEqual([metric, true]);
    expect(all).toContain('dependency="database"');
    expect(all).toContain('dependency="redis"');
    expect(all).toMatch(/modelmuxer_budget_remaining_ratio\)\s*<=\s*0\.1\b/); // used ≥ 90 %
  });

  it('prometheus-rule.yaml (PrometheusRule) carries exactly the groups of alerts.yaml', () => {
    const rule = parse(readFileSync(join(DIR, 'prometheus-rule.yaml'), 'utf8')) as {
      apiVersion: string;
      kind: string;
      spec: RuleFile;
    };
    expect([rule.apiVersion, rule.kind]).toEqual(['monitoring.coreos.com/v1', 'PrometheusRule']);
    expect(rule.spec.groups).toEqual(alerts.groups);
  });

  it('the dashboard: uid, title, a Prometheus datasource variable, a query in every panel', () => {
    expect(dashboard.uid).toBe('modelmuxer-overview');
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource' }),
    );
    const panels = panelsOf(dashboard.panels).filter((panel) => panel.type !== 'row');
    for (const panel of panels)
      expect([panel.title, (panel.targets ?? []).length > 0]).toEqual([panel.title, true]);
    const all = dashboardExpressions.map((target) => target.expr).join('\n');
    for (const metric of [
      'modelmuxer_http_requests_total', // traffic, errors
      'modelmuxer_http_request_duration_seconds_bucket', // latency percentiles
      'gen_ai_client_operation_time_to_first_chunk_seconds_bucket', // TTFT percentiles
      'modelmuxer_tenant_cost_usd_total', // cost per tenant and model
      'modelmuxer_routing_decisions_total', // routing mix by intent
      'modelmuxer_cache_saved_usd_total', // cache savings
      'modelmuxer_budget_remaining_ratio', // budgets near their limit
      'modelmuxer_circuit_open', // provider health
    ])
      expect([metric, all.includes(metric)]).toEqual([metric, true]);
  });

  const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  const itWithPromtool = promtool.status === 0 ? it : it.skip;
  if (promtool.status !== 0) {
    console.warn(
      'promtool is not installed: deploy/observability/alerts.yaml is not checked by promtool (apt-get install prometheus)',
    );
  }
  itWithPromtool('alerts.yaml and the PrometheusRule spec pass promtool check rules', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-rules-'));
    try {
      const fromOperator = join(dir, 'operator.rules.yaml');
      writeFileSync(fromOperator, JSON.stringify({ groups: alerts.groups }));
      const check = spawnSync('promtool', ['check', 'rules', join(DIR, 'alerts.yaml'), fromOperator], {
        encoding: 'utf8',
      });
      expect([check.status, check.stdout + check.stderr]).toEqual([0, expect.stringContaining('SUCCESS')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('every metric the dashboard and the alerts query exists in /metrics/prometheus', () => {
  let gateway: TestApp;
  let exposition: string;

  beforeAll(async () => {
    gateway = await bootTestApp({ ADMIN_API_KEY: TEST_ADMIN_KEY, REDIS_URL: undefined });
    const server = gateway.app.getHttpServer();
    // Some traffic: a tenant with a budget, completions (one answered from the cache), a stream,
    // a refusal.
    const tenant = await createTenantWithKey(server, TEST_ADMIN_KEY, 'observability');
    await gateway.http
      .put(`/admin/tenants/${tenant.tenantId}/budget`)
      .set({ authorization: `Bearer ${TEST_ADMIN_KEY}` })
      .send({ limit_usd: 100, period: 'monthly' })
      .expect((response) => expect(response.status).toBeLessThan(300));
    const client = { authorization: `Bearer ${tenant.key}` };
    const body = { model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content: 'Say hi.' }] };
    await gateway.http.post('/v1/chat/completions').set(client).send(body).expect(200);
    await gateway.http.post('/v1/chat/completions').set(client).send(body).expect(200);
    await gateway.http
      .post('/v1/chat/completions')
      .set(client)
      .send({ ...body, temperature: 0.5, stream: true })
      .expect(200);
    await gateway.http.post('/v1/chat/completions').send(body).expect(401);
    exposition = (await gateway.http.get('/metrics/prometheus').expect(200)).text;
  }, BOOT_TIMEOUT_MS);

  afterAll(async () => gateway?.close());

  it('the traffic reached the new metrics (tenant cost, cache savings, budget, dependencies)', () => {
    const sampled = sampledSeriesNames(exposition);
    for (const name of [
      'modelmuxer_tenant_cost_usd_total',
      'modelmuxer_tenant_tokens_total',
      'modelmuxer_cache_saved_usd_total',
      'modelmuxer_budget_remaining_ratio',
      'modelmuxer_dependency_up',
      'modelmuxer_draining',
      'modelmuxer_circuit_open',
      'gen_ai_client_operation_time_to_first_chunk_seconds_bucket',
    ])
      expect([name, sampled.has(name)]).toEqual([name, true]);
    expect(exposition).toMatch(/^modelmuxer_dependency_up\{dependency="database"\} 1$/m);
    expect(exposition).toMatch(/^modelmuxer_budget_remaining_ratio\{tenant="[\w-]+"\} (0\.\d+|1)$/m);
  });

  it.each([
    ['the dashboard', dashboardExpressions],
    ['the alert rules', alertExpressions],
  ])('%s', (_what, expressions) => {
    const exposed = exposedSeriesNames(exposition);
    const missing = expressions.flatMap(({ where, expr }) =>
      promqlMetricNames(expr)
        .filter((name) => !exposed.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(missing).toEqual([]);
    expect(expressions.flatMap(({ expr }) => promqlMetricNames(expr)).length).toBeGreaterThan(10);
  });
});
