import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { environmentVariableNames } from '../../src/config/app-config';
import { EnvironmentVariables, isSecretVariable } from '../../src/config/env.schema';

/**
 * Renders every overlay of deploy/k8s with `kubectl kustomize` (no cluster needed) and checks
 * what an operator relies on: probes on the right paths and port, resources, a restricted
 * security context, a shutdown window that covers the drain, environment variables that the
 * configuration knows (so the manifests cannot drift from src/config/env.schema.ts), secrets
 * only by reference, the config files mounted where MODELS_FILE/ROUTING_FILE point, and
 * selectors (Service, PDB, HPA, NetworkPolicy, ServiceMonitor) that match the gateway's pods.
 */
const ROOT = join(__dirname, '..', '..');
const OVERLAYS_DIR = join(ROOT, 'deploy', 'k8s', 'overlays');
const SECRET_NAME = 'modelmuxer-secrets';
const DEFAULTS = new EnvironmentVariables();
/** Beyond the drain: usage and budget flushes, closing Postgres and Redis. */
const SHUTDOWN_MARGIN_S = 5;

/* ---------- minimal typings of what is checked ---------- */

type Labels = Record<string, string>;
interface HttpProbe {
  httpGet?: { path: string; port: number | string };
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  env?: EnvVar[];
  ports?: Array<{ name?: string; containerPort: number }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: HttpProbe;
  readinessProbe?: HttpProbe;
  startupProbe?: HttpProbe;
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[] } };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  containers: Container[];
  securityContext?: Record<string, unknown>;
  terminationGracePeriodSeconds?: number;
  volumes?: Array<{ name: string; configMap?: { name: string } }>;
}
interface PolicyRule {
  ports: Array<{ port: number; protocol: string }>;
}
interface HpaMetric {
  resource?: { name: string; target: { type: string; averageUtilization?: number } };
}
interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  data?: Record<string, string>;
}

/* ---------- rendering ---------- */

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const hasKubectl = kubectl.status === 0;
if (!hasKubectl) {
  console.warn(
    'kubectl is not installed: deploy/k8s overlays are not rendered or checked (install kubectl ≥ 1.27)',
  );
}

function render(overlay: string): Resource[] {
  const result = spawnSync('kubectl', ['kustomize', join(OVERLAYS_DIR, overlay)], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`kubectl kustomize ${overlay} failed:\n${result.stderr}`);
  return parseAllDocuments(result.stdout).map((document) => document.toJS() as Resource);
}

/* ---------- pure helpers ---------- */

function matches(selector: Labels, labels: Labels | undefined): boolean {
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

function isGatewayImage(image: string): boolean {
  return /(^|\/)modelmuxer(:|@|$)/.test(image);
}

function imageTag(image: string): string | undefined {
  const lastPart = image.split('/').pop()!;
  return lastPart.includes(':') ? lastPart.split(':').pop() : undefined;
}

function envValue(container: Container, name: string): string | undefined {
  return container.env?.find((variable) => variable.name === name)?.value;
}

function containerPort(container: Container, port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((candidate) => candidate.name === port)?.containerPort;
}

/** A preStop sleep's length (0 without one: the gateway's own drain delay replaces it). */
function preStopSeconds(container: Container): number {
  const preStop = container.lifecycle?.preStop;
  if (!preStop) return 0;
  if (preStop.sleep) return preStop.sleep.seconds;
  const command = preStop?.exec?.command ?? [];
  if (command[0] !== 'sleep' || command.length !== 2)
    throw new Error(`preStop is not a sleep: ${command.join(' ')}`);
  return Number(command[1]);
}

function podsOf(
  resources: Resource[],
  kind: string,
): Array<{ resource: Resource; pod: PodSpec; labels: Labels }> {
  return resources
    .filter((resource) => resource.kind === kind)
    .map((resource) => ({
      resource,
      pod: resource.spec.template.spec as PodSpec,
      labels: resource.spec.template.metadata?.labels ?? {},
    }))
    .filter(({ pod }) => pod.containers.some((container) => isGatewayImage(container.image)));
}

function expectRestrictedSecurity(pod: PodSpec, container: Container): void {
  expect(pod.securityContext?.runAsNonRoot).toBe(true);
  expect(pod.securityContext?.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  expect(pod.securityContext?.runAsUser).not.toBe(0);
  const security = container.securityContext ?? {};
  expect(security.readOnlyRootFilesystem).toBe(true);
  expect(security.allowPrivilegeEscalation).toBe(false);
  expect(security.privileged).not.toBe(true);
  expect(security.capabilities?.drop).toContain('ALL');
}

/** Every variable is one the configuration reads; secrets come only from the Secret, by name. */
function expectKnownEnvironment(container: Container): void {
  const known = new Set(environmentVariableNames());
  for (const variable of container.env ?? []) {
    expect([variable.name, known.has(variable.name)]).toEqual([variable.name, true]);
    const reference = variable.valueFrom?.secretKeyRef;
    if (isSecretVariable(variable.name)) {
      expect([variable.name, variable.value]).toEqual([variable.name, undefined]);
      expect([variable.name, reference?.name, reference?.key]).toEqual([
        variable.name,
        SECRET_NAME,
        variable.name,
      ]);
    }
    if (reference) expect(reference.key).toBe(variable.name);
  }
}

function expectResources(container: Container): void {
  expect(container.resources?.requests?.cpu).toBeDefined();
  expect(container.resources?.requests?.memory).toBeDefined();
  expect(container.resources?.limits?.memory).toBeDefined();
}

/* ---------- the checks ---------- */

const overlays = existsSync(OVERLAYS_DIR) ? readdirSync(OVERLAYS_DIR).sort() : [];

describe('deploy/k8s', () => {
  it('has the dev, production and production-prometheus overlays', () => {
    expect(overlays).toEqual(['dev', 'production', 'production-prometheus']);
  });
});

(hasKubectl ? describe.each(overlays) : describe.skip.each(overlays))('overlay %s', (overlay) => {
  let resources: Resource[];
  let gateway: ReturnType<typeof podsOf>[number];
  let container: Container;

  beforeAll(() => {
    resources = render(overlay);
    const deployments = podsOf(resources, 'Deployment');
    expect(deployments).toHaveLength(1);
    gateway = deployments[0];
    container = gateway.pod.containers.find((candidate) => isGatewayImage(candidate.image))!;
  });

  const find = (kind: string) => resources.filter((resource) => resource.kind === kind);

  it('runs a tagged image in production mode with Postgres and Redis from the Secret', () => {
    const tag = imageTag(container.image);
    expect(tag).toBeDefined();
    expect(tag).not.toBe('latest');
    expect(envValue(container, 'MODE')).toBe('production');
    const fromSecret = (container.env ?? []).filter((variable) => variable.valueFrom?.secretKeyRef);
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'ADMIN_API_KEY', 'API_KEY_HASH_SECRET']) {
      const variable = fromSecret.find((candidate) => candidate.name === name);
      expect([name, variable?.valueFrom?.secretKeyRef?.optional ?? false]).toEqual([name, false]);
    }
  });

  it('sets only variables src/config/env.schema.ts knows, secrets by secretKeyRef only', () => {
    expectKnownEnvironment(container);
    expect(find('Secret')).toEqual([]); // no secret value is ever rendered from the repository
  });

  it('has a restricted security context and resources', () => {
    expectRestrictedSecurity(gateway.pod, container);
    expectResources(container);
    const tmp = container.volumeMounts?.find((mount) => mount.mountPath === '/tmp');
    expect(tmp).toBeDefined();
  });

  it('probes liveness on /health, readiness on /health/ready and start-up, on the listening port', () => {
    const port = Number(envValue(container, 'PORT') ?? DEFAULTS.PORT);
    const probes = {
      liveness: container.livenessProbe,
      readiness: container.readinessProbe,
      startup: container.startupProbe,
    };
    const paths = { liveness: '/health', readiness: '/health/ready', startup: '/health' };
    for (const [kind, probe] of Object.entries(probes)) {
      expect([kind, probe?.httpGet?.path]).toEqual([kind, paths[kind as keyof typeof paths]]);
      expect([kind, containerPort(container, probe!.httpGet!.port)]).toEqual([kind, port]);
    }
  });

  it('gives the drain delay and the drain (SHUTDOWN_*) their time before SIGKILL', () => {
    const shutdownMs = Number(envValue(container, 'SHUTDOWN_TIMEOUT_MS') ?? DEFAULTS.SHUTDOWN_TIMEOUT_MS);
    const delayMs = Number(
      envValue(container, 'SHUTDOWN_DRAIN_DELAY_MS') ?? DEFAULTS.SHUTDOWN_DRAIN_DELAY_MS,
    );
    const grace = gateway.pod.terminationGracePeriodSeconds ?? 30;
    expect(grace).toBeGreaterThanOrEqual(
      preStopSeconds(container) + (delayMs + shutdownMs) / 1000 + SHUTDOWN_MARGIN_S,
    );
  });

  it('keeps serving after SIGTERM until the readiness probe has failed (drain delay ≥ period × threshold)', () => {
    const delayMs = Number(
      envValue(container, 'SHUTDOWN_DRAIN_DELAY_MS') ?? DEFAULTS.SHUTDOWN_DRAIN_DELAY_MS,
    );
    const probe = container.readinessProbe as HttpProbe & {
      periodSeconds?: number;
      failureThreshold?: number;
    };
    // Kubernetes' defaults: every 10 s, 3 failures.
    const seen = (probe.periodSeconds ?? 10) * (probe.failureThreshold ?? 3);
    expect(preStopSeconds(container) * 1000 + delayMs).toBeGreaterThanOrEqual(seen * 1000);
  });

  it('mounts the generated ConfigMap where MODELS_FILE and ROUTING_FILE point, with config/*.yaml', () => {
    for (const [variable, file] of [
      ['MODELS_FILE', 'models.yaml'],
      ['ROUTING_FILE', 'routing.yaml'],
    ]) {
      const path = envValue(container, variable)!;
      expect(path).toMatch(new RegExp(`/${file.replace('.', '\\.')}$`));
      const mount = container.volumeMounts!.find((candidate) => path.startsWith(`${candidate.mountPath}/`))!;
      const volume = gateway.pod.volumes!.find((candidate) => candidate.name === mount.name)!;
      const configMap = find('ConfigMap').find(
        (candidate) => candidate.metadata.name === volume.configMap?.name,
      );
      expect(configMap?.data?.[path.slice(mount.mountPath.length + 1)]).toBe(
        readFileSync(join(ROOT, 'config', file), 'utf8'),
      );
    }
  });

  it('serves through a Service whose selector and target port match the gateway pods', () => {
    const services = find('Service').filter((service) => matches(service.spec.selector, gateway.labels));
    expect(services).toHaveLength(1);
    for (const port of services[0].spec.ports) {
      expect(containerPort(container, port.targetPort)).toBe(
        Number(envValue(container, 'PORT') ?? DEFAULTS.PORT),
      );
    }
    // Migration pods never join it.
    for (const job of podsOf(resources, 'Job'))
      expect(matches(services[0].spec.selector, job.labels)).toBe(false);
    expect(matches(gateway.resource.spec.selector.matchLabels, gateway.labels)).toBe(true);
  });

  it('scales on CPU with an HPA and keeps pods up with a PDB (production), or runs one replica (dev)', () => {
    const [hpa] = find('HorizontalPodAutoscaler');
    const [pdb] = find('PodDisruptionBudget');
    if (overlay === 'dev') {
      expect([hpa, pdb, gateway.resource.spec.replicas]).toEqual([undefined, undefined, 1]);
      return;
    }
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: gateway.resource.metadata.name,
    });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas);
    const cpu = (hpa.spec.metrics as HpaMetric[]).find((metric) => metric.resource?.name === 'cpu')!;
    expect(cpu.resource!.target.type).toBe('Utilization');
    expect(cpu.resource!.target.averageUtilization).toBeGreaterThan(0);
    expect(cpu.resource!.target.averageUtilization).toBeLessThanOrEqual(100);
    expect(gateway.resource.spec.replicas).toBeUndefined(); // the HPA owns it
    expect(matches(pdb.spec.selector.matchLabels, gateway.labels)).toBe(true);
    expect(pdb.spec.maxUnavailable ?? 0).toBeLessThan(hpa.spec.minReplicas);
  });

  it('limits traffic with a NetworkPolicy: in on the gateway port, out to DNS, Postgres, Redis and HTTPS', () => {
    const [policy] = find('NetworkPolicy').filter((candidate) =>
      matches(candidate.spec.podSelector.matchLabels, gateway.labels),
    );
    expect(policy.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    const ports = (rules: PolicyRule[]) => rules.flatMap((rule) => rule.ports);
    const ingressPorts = ports(policy.spec.ingress as PolicyRule[]).map((port) => port.port);
    expect(ingressPorts).toEqual([Number(envValue(container, 'PORT') ?? DEFAULTS.PORT)]);
    const egress = ports(policy.spec.egress as PolicyRule[]).map((port) => `${port.port}/${port.protocol}`);
    expect(egress.sort()).toEqual(['443/TCP', '53/TCP', '53/UDP', '5432/TCP', '6379/TCP']);
  });

  it('has a migration Job that runs the compiled migrate script with the same restrictions', () => {
    const jobs = podsOf(resources, 'Job');
    expect(jobs).toHaveLength(1);
    const migrate = jobs[0].pod.containers[0];
    expect(migrate.command).toEqual(['node', 'dist/src/database/migrate.js']);
    expect(existsSync(join(ROOT, 'src', 'database', 'migrate.ts'))).toBe(true);
    expect(migrate.image).toBe(container.image);
    expectRestrictedSecurity(jobs[0].pod, migrate);
    expectResources(migrate);
    expectKnownEnvironment(migrate);
    expect(
      migrate.env?.find((variable) => variable.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef?.name,
    ).toBe(SECRET_NAME);
  });

  it('ships the alert rules and the Grafana dashboard where Prometheus is asked for', () => {
    const rules = find('PrometheusRule');
    const dashboards = find('ConfigMap').filter(
      (candidate) => candidate.metadata.labels?.grafana_dashboard === '1',
    );
    if (overlay !== 'production-prometheus') {
      expect([rules, dashboards]).toEqual([[], []]);
      return;
    }
    const observability = join(ROOT, 'deploy', 'observability');
    const alerts = parseAllDocuments(readFileSync(join(observability, 'alerts.yaml'), 'utf8'))[0].toJS();
    expect(rules).toHaveLength(1);
    expect(rules[0].spec.groups).toEqual(alerts.groups);
    expect(dashboards).toHaveLength(1);
    expect(JSON.parse(dashboards[0].data!['modelmuxer.json'])).toEqual(
      JSON.parse(readFileSync(join(observability, 'grafana-dashboard.json'), 'utf8')),
    );
  });

  it('scrapes /metrics/prometheus through the Service only where a ServiceMonitor is asked for', () => {
    const monitors = find('ServiceMonitor');
    if (overlay !== 'production-prometheus') {
      expect(monitors).toEqual([]);
      return;
    }
    expect(monitors).toHaveLength(1);
    const [monitor] = monitors;
    const service = find('Service').find((candidate) =>
      matches(monitor.spec.selector.matchLabels, candidate.metadata.labels),
    )!;
    expect(service.metadata.namespace).toBe(monitor.metadata.namespace);
    expect(monitor.spec.endpoints[0].path).toBe('/metrics/prometheus');
    expect(service.spec.ports.map((port: { name: string }) => port.name)).toContain(
      monitor.spec.endpoints[0].port,
    );
    expect(readFileSync(join(ROOT, 'src', 'telemetry', 'metrics.controller.ts'), 'utf8')).toContain(
      `@Controller('metrics/prometheus')`,
    );
  });
});
