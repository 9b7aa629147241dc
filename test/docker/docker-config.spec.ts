import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { environmentVariableNames } from '../../src/config/app-config';
import { EnvironmentVariables } from '../../src/config/env.schema';

/**
 * No Docker engine runs here, so the docker/ files are checked statically: the compose file is
 * valid YAML wiring several gateway replicas to Postgres and Redis in production mode behind one
 * load balancer, the balancer's configuration round-robins over every replica, and the
 * Dockerfile is a non-root multi-stage build on a maintained Node LTS whose COPY sources exist
 * and whose command is the build's entry.
 */
const root = join(__dirname, '..', '..');
const dockerfile = readFileSync(join(root, 'docker', 'Dockerfile'), 'utf8');
const defaults = new EnvironmentVariables();

/** The Dockerfile's instructions (comments and blank lines dropped, continuations kept apart). */
const instructions = dockerfile
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));

/** `FROM image AS stage` lines with `${NODE_VERSION}`-style build arguments replaced by their defaults. */
function baseImages(): string[] {
  const args = new Map<string, string>();
  for (const line of instructions) {
    const match = /^ARG (\w+)=(\S+)$/.exec(line);
    if (match) args.set(match[1], match[2]);
  }
  return instructions
    .filter((line) => line.startsWith('FROM '))
    .map((line) => line.split(/\s+/)[1].replace(/\$\{(\w+)\}/g, (_, name: string) => args.get(name) ?? ''));
}

describe('docker/Dockerfile', () => {
  it('is a multi-stage build that runs as a numeric non-root user', () => {
    expect(instructions.filter((line) => line.startsWith('FROM ')).length).toBeGreaterThanOrEqual(2);
    const lastFrom = instructions.map((line) => line.startsWith('FROM ')).lastIndexOf(true);
    const user = instructions
      .slice(lastFrom)
      .map((line) => /^USER (\d+)(:\d+)?$/.exec(line))
      .find(Boolean);
    // Numeric, so that Kubernetes' runAsNonRoot can check it without reading /etc/passwd.
    expect(user).toBeDefined();
    expect(Number(user![1])).toBeGreaterThan(0);
  });

  it('builds and runs on a maintained Node LTS (22 or later, even major) allowed by package.json', () => {
    const images = baseImages();
    expect(images.length).toBeGreaterThanOrEqual(2);
    const engines = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node as string;
    const minimumMajor = Number(/>=\s*(\d+)/.exec(engines)![1]);
    for (const image of images) {
      const match = /^node:(\d+)(\.\d+)*-[a-z]+-slim$/.exec(image);
      expect([image, match !== null]).toEqual([image, true]);
      const major = Number(match![1]);
      expect(major).toBeGreaterThanOrEqual(22);
      expect(major % 2).toBe(0); // odd majors never become LTS
      expect(major).toBeGreaterThanOrEqual(minimumMajor);
    }
    expect(new Set(images).size).toBe(1); // build and runtime on the same Node
  });

  it('copies only paths that exist in the repository', () => {
    const sources = instructions
      .filter((line) => line.startsWith('COPY ') && !line.includes('--from='))
      .flatMap((line) =>
        line
          .replace(/--chown=\S+/, '')
          .split(/\s+/)
          .slice(1, -1),
      );
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect([source, existsSync(join(root, source))]).toEqual([source, true]);
  });

  it('starts the compiled entry point directly (so SIGTERM reaches node)', () => {
    const nestCli = JSON.parse(readFileSync(join(root, 'nest-cli.json'), 'utf8')) as { entryFile: string };
    expect(dockerfile).toContain(`CMD ["node", "dist/${nestCli.entryFile}.js"]`);
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start).toBe(
      `node dist/${nestCli.entryFile}.js`,
    );
  });
});

interface ComposeService {
  image?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: unknown;
  build?: { dockerfile: string };
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  container_name?: string;
  stop_grace_period?: string;
}

describe('docker/compose.yaml', () => {
  const compose = parse(readFileSync(join(root, 'docker', 'compose.yaml'), 'utf8')) as {
    services: Record<string, ComposeService>;
  };
  const gateway = compose.services.modelmuxer;

  it('runs the gateway in production mode against the Postgres and Redis services', () => {
    expect(gateway.build?.dockerfile).toBe('docker/Dockerfile');
    expect(gateway.environment?.MODE).toBe('production');
    expect(gateway.environment?.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\//);
    expect(gateway.environment?.REDIS_URL).toBe('redis://redis:6379');
    expect(Object.keys(gateway.depends_on ?? {}).sort()).toEqual(['postgres', 'redis']);
  });

  it('only sets variables the configuration knows', () => {
    const known = new Set(environmentVariableNames());
    for (const name of Object.keys(gateway.environment ?? {}))
      expect([name, known.has(name)]).toEqual([name, true]);
  });

  it('can scale the gateway: no fixed host port or container name per replica', () => {
    expect(gateway.ports).toBeUndefined();
    expect(gateway.container_name).toBeUndefined();
    expect(gateway.expose).toEqual([String(defaults.PORT)]);
  });

  it('publishes one port, on the load balancer, which waits for a healthy replica', () => {
    const publishing = Object.entries(compose.services).filter(([, service]) => service.ports?.length);
    expect(publishing.map(([name]) => name)).toEqual(['lb']);
    const lb = compose.services.lb;
    expect(lb.ports).toEqual([`\${MODELMUXER_PORT:-8000}:8000`]);
    expect(lb.image).toMatch(/^haproxy:\d+\.\d+/);
    expect(lb.depends_on?.modelmuxer?.condition).toBe('service_healthy');
    expect(lb.volumes).toEqual(['./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro']);
  });

  it('gives a replica longer to stop than its drain delay + drain bound (SHUTDOWN_*)', () => {
    const shutdownMs = Number(gateway.environment?.SHUTDOWN_TIMEOUT_MS ?? defaults.SHUTDOWN_TIMEOUT_MS);
    const delayMs = Number(gateway.environment?.SHUTDOWN_DRAIN_DELAY_MS ?? defaults.SHUTDOWN_DRAIN_DELAY_MS);
    expect(gateway.stop_grace_period).toMatch(/^\d+s$/);
    expect(parseInt(gateway.stop_grace_period!, 10) * 1000).toBeGreaterThan(delayMs + shutdownMs);
  });

  it('keeps a stopping replica serving until HAProxy has seen its readiness fail', () => {
    const delayMs = Number(gateway.environment?.SHUTDOWN_DRAIN_DELAY_MS ?? defaults.SHUTDOWN_DRAIN_DELAY_MS);
    const config = readFileSync(join(root, 'docker', 'haproxy.cfg'), 'utf8');
    const [, inter, fall] = /default-server\b.*\binter (\d+)s\b.*\bfall (\d+)\b/.exec(config)!;
    expect(delayMs).toBeGreaterThanOrEqual(Number(inter) * Number(fall) * 1000);
  });

  it('health-checks its dependencies', () => {
    expect(compose.services.postgres.healthcheck).toBeDefined();
    expect(compose.services.redis.healthcheck).toBeDefined();
  });
});

describe('docker/haproxy.cfg', () => {
  const config = readFileSync(join(root, 'docker', 'haproxy.cfg'), 'utf8');
  const lines = config
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  it('round-robins over every replica of the modelmuxer service, re-resolved through Docker DNS', () => {
    expect(lines).toContain('balance roundrobin');
    expect(lines).toContain('nameserver dns 127.0.0.11:53');
    const template = lines.find((line) => line.startsWith('server-template '));
    expect(template).toBe(`server-template modelmuxer 10 modelmuxer:${defaults.PORT}`);
    expect(lines.find((line) => line.startsWith('default-server '))).toMatch(
      /\bresolvers docker\b.*\binit-addr none\b/,
    );
  });

  it('sends traffic only to ready replicas, and listens where compose publishes', () => {
    expect(lines).toContain('option httpchk GET /health/ready');
    expect(lines).toContain('http-check expect status 200');
    expect(lines).toContain('bind :8000');
  });

  it('never cuts a stream before the gateway would (timeouts above PROVIDER_TOTAL_TIMEOUT_MS)', () => {
    for (const name of ['client', 'server', 'tunnel']) {
      const line = lines.find((candidate) => candidate.startsWith(`timeout ${name} `));
      expect([name, line !== undefined]).toEqual([name, true]);
      const seconds = Number(/(\d+)s$/.exec(line!)![1]);
      expect(seconds * 1000).toBeGreaterThan(defaults.PROVIDER_TOTAL_TIMEOUT_MS);
    }
  });

  const haproxy = spawnSync('haproxy', ['-v'], { encoding: 'utf8' });
  const itWithHaproxy = haproxy.status === 0 ? it : it.skip;
  if (haproxy.status !== 0) {
    console.warn(
      'haproxy is not installed: docker/haproxy.cfg is not checked by haproxy -c (apt-get install haproxy)',
    );
  }
  itWithHaproxy('is accepted by haproxy -c', () => {
    const check = spawnSync('haproxy', ['-c', '-f', join(root, 'docker', 'haproxy.cfg')], {
      encoding: 'utf8',
    });
    expect([check.status, check.stdout + check.stderr]).toEqual([0, expect.stringContaining('valid')]);
  });
});
