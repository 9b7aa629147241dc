import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import type { TestingModule } from '@nestjs/testing';
import { getToken } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { loadAppConfig } from '../config/app-config';
import { AppConfigModule } from '../config/config.module';
import { METRIC } from '../telemetry/metrics';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { RoutingConfigError } from './config-reader';
import { ModelCatalog } from './model-catalog';
import { RoutingPolicyService } from './routing-policy';
import { RoutingModule } from './routing.module';
import { RoutingService } from './routing.service';
import type { RoutingInput } from './routing.types';
import type { ProviderAvailability } from '../providers/provider.types';

const everyProvider: ProviderAvailability = { isProviderConfigured: () => true, isCircuitOpen: () => false };
const openaiOnly: ProviderAvailability = {
  isProviderConfigured: (provider) => provider === 'openai',
  isCircuitOpen: () => false,
};

function input(label: RoutingInput['intent']['label'], extra: Partial<RoutingInput> = {}): RoutingInput {
  return {
    requestedModel: 'auto',
    intent: { label, confidence: 0.92, signals: null, method: 'heuristic' },
    estimatedPromptTokens: 30,
    requestedMaxOutputTokens: null,
    needsVision: false,
    needsTools: false,
    needsJsonMode: false,
    needsStreaming: false,
    budgetRemainingRatio: null,
    ...extra,
  };
}

async function boot(env: Record<string, string> = {}): Promise<TestingModule> {
  return Test.createTestingModule({
    imports: [AppConfigModule.forRoot(loadAppConfig(env)), TelemetryModule, RoutingModule],
  }).compile();
}

describe('RoutingModule with the shipped configuration', () => {
  let module: TestingModule;
  let routing: RoutingService;
  let counter: Counter<string>;

  beforeAll(async () => {
    module = await boot();
    routing = module.get(RoutingService);
    counter = module.get(getToken(METRIC.routingDecisions));
  });
  afterAll(() => module.close());

  it('exports the catalog, the policy and the service', () => {
    expect(module.get(ModelCatalog).resolve('codestral')?.id).toBe('codestral-latest');
    expect(module.get(RoutingPolicyService).policy.safety_risk.action).toBe('refuse');
  });

  // The e2e promise: "auto" sends a greeting, a coding task and an image question to three
  // different models (cheap chat, strong code, vision-capable), with every provider or OpenAI only.
  it.each([
    ['every provider', everyProvider, ['mistral-small-latest', 'codestral-latest', 'gpt-4.1-mini']],
    ['OpenAI only', openaiOnly, ['gpt-4.1-nano', 'gpt-5.4-mini', 'gpt-4.1-mini']],
  ])('routes greeting / code / image to different models (%s)', (_name, availability, expected) => {
    const greeting = routing.preview(input('chat_lite'), availability);
    const code = routing.preview(input('code_gen', { estimatedPromptTokens: 60 }), availability);
    const image = routing.preview(
      input('vision', { needsVision: true, estimatedPromptTokens: 800 }),
      availability,
    );
    expect([greeting, code, image].map((d) => d.target?.model)).toEqual(expected);
    expect(greeting.reason).toMatch(
      /^chat_lite \(0\.92\) → .*: cheapest model with chat_lite quality ≥ 0\.6$/,
    );
    expect(code.candidates.find((c) => c.model === code.target?.model)?.tier).not.toBe('economy');
  });

  it('counts decide() in modelmuxer_routing_decisions_total, but not preview()', async () => {
    const labels = { intent: 'code_gen', provider: 'mistral', model: 'codestral-latest', reason: 'direct' };
    const before = (await counter.get()).values.find((v) => v.labels.model === labels.model)?.value ?? 0;
    routing.preview(input('code_gen'), everyProvider);
    routing.decide(input('code_gen'), everyProvider);
    routing.decide(input('code_gen'), everyProvider);
    const values = (await counter.get()).values;
    expect(values.find((v) => v.labels.model === labels.model)).toMatchObject({ labels, value: before + 2 });
    routing.decide(input('safety_risk'), everyProvider);
    expect((await counter.get()).values).toContainEqual(
      expect.objectContaining({
        labels: { intent: 'safety_risk', provider: 'none', model: 'none', reason: 'refused' },
      }),
    );
  });

  it('accepts a tenant policy override built once by RoutingPolicyService', () => {
    const tenant = module
      .get(RoutingPolicyService)
      .withOverride({ intents: { code_gen: { prefer: ['claude-sonnet-5'] } } });
    expect(routing.preview(input('code_gen'), everyProvider, tenant).target?.model).toBe('claude-sonnet-5');
    expect(routing.preview(input('code_gen'), everyProvider).target?.model).toBe('codestral-latest');
  });
});

describe('RoutingModule start-up validation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelmuxer-routing-'));

  it('refuses to start with a broken catalog, naming file, model and field', async () => {
    const file = join(dir, 'models.yaml');
    writeFileSync(
      file,
      readFileSync('config/models.yaml', 'utf8').replace(
        'input: 2.50, cached_input: 1.25',
        'input: -2.50, cached_input: 1.25',
      ),
    );
    const attempt = boot({ MODELS_FILE: file });
    await expect(attempt).rejects.toThrow(RoutingConfigError);
    await expect(attempt).rejects.toThrow(
      `Invalid ${file}:\n  - model 'gpt-4o' (models[4]): pricing: input must be ≥ 0 (got -2.5)`,
    );
  });

  it('refuses to start with a policy naming an unknown model', async () => {
    const file = join(dir, 'routing.yaml');
    writeFileSync(
      file,
      readFileSync('config/routing.yaml', 'utf8').replace('model: gpt-4.1-mini', 'model: gpt-4.2-mini'),
    );
    await expect(boot({ ROUTING_FILE: file })).rejects.toThrow(
      "default.model: model 'gpt-4.2-mini' is not in the model catalog",
    );
  });
});
