import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * No Docker engine runs here, so the docker/ files are checked statically: the compose file is
 * valid YAML wiring the gateway to Postgres and Redis in production mode, and the Dockerfile is
 * a non-root multi-stage build whose COPY sources exist and whose command is the build's entry.
 */
const root = join(__dirname, '..', '..');
const dockerfile = readFileSync(join(root, 'docker', 'Dockerfile'), 'utf8');

describe('docker/Dockerfile', () => {
  const instructions = dockerfile
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  it('is a multi-stage build that runs as a non-root user', () => {
    expect(instructions.filter((line) => line.startsWith('FROM ')).length).toBeGreaterThanOrEqual(2);
    const lastFrom = instructions.map((line) => line.startsWith('FROM ')).lastIndexOf(true);
    expect(instructions.slice(lastFrom).some((line) => /^USER (node|\d+)/.test(line))).toBe(true);
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

describe('docker/compose.yaml', () => {
  const compose = parse(readFileSync(join(root, 'docker', 'compose.yaml'), 'utf8')) as {
    services: Record<
      string,
      {
        environment?: Record<string, string>;
        depends_on?: Record<string, unknown>;
        healthcheck?: unknown;
        build?: { dockerfile: string };
      }
    >;
  };

  it('runs the gateway in production mode against the Postgres and Redis services', () => {
    const gateway = compose.services.modelmuxer;
    expect(gateway.build?.dockerfile).toBe('docker/Dockerfile');
    expect(gateway.environment?.MODE).toBe('production');
    expect(gateway.environment?.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\//);
    expect(gateway.environment?.REDIS_URL).toBe('redis://redis:6379');
    expect(Object.keys(gateway.depends_on ?? {}).sort()).toEqual(['postgres', 'redis']);
  });

  it('health-checks its dependencies', () => {
    expect(compose.services.postgres.healthcheck).toBeDefined();
    expect(compose.services.redis.healthcheck).toBeDefined();
  });
});
