import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { GatewayError } from '../common/errors';
import { RoutingConfigError } from '../routing/config-reader';
import { ModelCatalog } from '../routing/model-catalog';
import { loadPlatformPolicy, policyFromDto } from './platform-policy';
import { TenantPolicyDto } from './policy.dto';
import { DEFAULT_TENANT_POLICY } from './tenant-policy';

const catalog = ModelCatalog.load('config/models.yaml');
const dir = mkdtempSync(join(tmpdir(), 'mm-policy-'));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function dto(body: Record<string, unknown>): TenantPolicyDto {
  return plainToInstance(TenantPolicyDto, body);
}

describe('loadPlatformPolicy', () => {
  it('ships a default that restricts nothing, and a missing or empty file means the same', () => {
    expect(loadPlatformPolicy('config/policy.yaml', catalog)).toEqual(DEFAULT_TENANT_POLICY);
    expect(loadPlatformPolicy(join(dir, 'absent.yaml'), catalog)).toBe(DEFAULT_TENANT_POLICY);
    expect(loadPlatformPolicy(file('empty.yaml', ''), catalog)).toBe(DEFAULT_TENANT_POLICY);
  });

  it('reads the platform rules with the admin API fields', () => {
    const policy = loadPlatformPolicy(
      file(
        'strict.yaml',
        'default:\n  pii: { action: redact }\n  max_output_tokens: 2048\n  features: { images: false }\n  blocked_models: [gpt-4o]\n',
      ),
      catalog,
    );
    expect(policy.pii.action).toBe('redact');
    expect(policy.max_output_tokens).toBe(2048);
    expect(policy.features).toEqual({ streaming: true, tools: true, images: false });
    expect(policy.blocked_models).toEqual(['gpt-4o']);
  });

  it('stops the start with every problem listed: unknown fields, bad values, unknown models, bad shape', () => {
    const bad = file(
      'bad.yaml',
      'default:\n  max_output_tokens: -5\n  colour: blue\n  pii: { action: shred }\n',
    );
    expect(() => loadPlatformPolicy(bad, catalog)).toThrow(RoutingConfigError);
    try {
      loadPlatformPolicy(bad, catalog);
    } catch (error) {
      const problems = (error as RoutingConfigError).problems.join('\n');
      expect(problems).toMatch(/default\.max_output_tokens/);
      expect(problems).toMatch(/default\.colour/);
      expect(problems).toMatch(/default\.pii\.action/);
    }
    expect(() =>
      loadPlatformPolicy(file('model.yaml', 'default:\n  allowed_models: [frobnicator-9000]\n'), catalog),
    ).toThrow(/frobnicator-9000/);
    expect(() => loadPlatformPolicy(file('shape.yaml', 'tenants: {}\n'), catalog)).toThrow(/default/);
    expect(() => loadPlatformPolicy(file('syntax.yaml', 'default: [\n'), catalog)).toThrow(
      RoutingConfigError,
    );
  });
});

describe('policyFromDto', () => {
  const platform = {
    ...DEFAULT_TENANT_POLICY,
    pii: { action: 'redact' as const, kinds: DEFAULT_TENANT_POLICY.pii.kinds },
    max_output_tokens: 1000,
    features: { streaming: true, tools: false, images: true },
  };

  it('takes omitted fields from the platform default', () => {
    const policy = policyFromDto(dto({ blocked_models: ['gpt-4o'] }), platform, catalog);
    expect(policy.pii.action).toBe('redact');
    expect(policy.max_output_tokens).toBe(1000);
    expect(policy.features).toEqual({ streaming: true, tools: false, images: true });
    expect(policy.blocked_models).toEqual(['gpt-4o']);
  });

  it('takes null as "no restriction" (an explicit exemption from a platform rule)', () => {
    const policy = policyFromDto(
      dto({ pii: null, max_output_tokens: null, features: null }),
      platform,
      catalog,
    );
    expect(policy.pii.action).toBe('off');
    expect(policy.max_output_tokens).toBeNull();
    expect(policy.features).toEqual({ streaming: true, tools: true, images: true });
  });

  it('merges a partial features object over the platform features', () => {
    const policy = policyFromDto(dto({ features: { streaming: false } }), platform, catalog);
    expect(policy.features).toEqual({ streaming: false, tools: false, images: true });
  });

  it('refuses unknown models with a 400 naming the field', () => {
    expect(() => policyFromDto(dto({ blocked_models: ['nope-1'] }), platform, catalog)).toThrow(GatewayError);
  });
});
