import { PROVIDER_KEYS } from '../common/provider-keys';
import { RoutingConfigError } from './config-reader';
import { ModelCatalog, parseModelCatalog } from './model-catalog';

const VALID_MODEL = `
  - id: tiny
    provider: openai
    aliases: [tiny-2025, Tiny-Latest]
    tier: economy
    pricing: { input: 0.1, cached_input: 0.05, output: 0.4 }
    context_window: 1000
    max_output_tokens: 500
    capabilities: { vision: false, tools: true, json_mode: true, streaming: true }
    quality: { chat_lite: 0.6, deep_reason: 0.2, code_gen: 0.3, json_extract: 0.5, translation: 0.5, vision: 0, safety_risk: 0.5 }
`;

function catalogText(models: string, top = 'auto_aliases: [router]'): string {
  return `${top}\nmodels:${models}`;
}

function problemsOf(text: string, file = 'config/models.yaml'): string[] {
  try {
    ModelCatalog.fromYaml(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(RoutingConfigError);
    expect((error as Error).message).toContain(file);
    return (error as RoutingConfigError).problems;
  }
  throw new Error('expected the catalog to be rejected');
}

describe('ModelCatalog', () => {
  const catalog = ModelCatalog.fromYaml(catalogText(VALID_MODEL));

  it('loads a valid file with defaults filled in', () => {
    const [spec] = catalog.list();
    expect(spec.id).toBe('tiny');
    expect(spec.upstream_id).toBe('tiny');
    expect(spec.pricing).toEqual({ input: 0.1, cached_input: 0.05, output: 0.4 });
    expect(catalog.byProvider('openai')).toEqual([spec]);
    expect(catalog.byProvider('mistral')).toEqual([]);
  });

  it('resolves ids and aliases case-insensitively', () => {
    expect(catalog.resolve('tiny')?.id).toBe('tiny');
    expect(catalog.resolve('TINY-2025')?.id).toBe('tiny');
    expect(catalog.resolve('tiny-latest')?.id).toBe('tiny');
    expect(catalog.resolve('gpt-9')).toBeUndefined();
    expect(catalog.resolve('auto')).toBeUndefined();
  });

  it('recognises the routing aliases', () => {
    for (const name of [undefined, null, '', '  ', 'auto', 'AUTO', 'router'])
      expect(catalog.isAuto(name)).toBe(true);
    expect(catalog.isAuto('tiny')).toBe(false);
    expect(catalog.autoAliases()).toEqual(['auto', 'router']);
  });

  it('hands out frozen specs so no consumer can change routing for everyone', () => {
    const spec = catalog.list()[0];
    expect(Object.isFrozen(spec)).toBe(true);
    expect(Object.isFrozen(spec.pricing)).toBe(true);
    expect(() => {
      (spec.pricing as { input: number }).input = 0;
    }).toThrow(TypeError);
  });

  it('precomputes general quality (mean of the non-safety labels) and the input cap', () => {
    const entry = catalog.entry('tiny')!;
    expect(entry.generalQuality).toBeCloseTo((0.6 + 0.2 + 0.3 + 0.5 + 0.5 + 0) / 6, 10);
    expect(entry.maxInputTokens).toBe(1000);
    expect(entry.target).toEqual({ provider: 'openai', model: 'tiny', upstreamModel: 'tiny' });
  });

  describe('start-up validation', () => {
    it.each([
      [
        'unknown provider',
        VALID_MODEL.replace('provider: openai', 'provider: acme'),
        'model \'tiny\' (models[0]): provider must be one of openai, anthropic, mistral, litellm (got "acme")',
      ],
      [
        'negative price',
        VALID_MODEL.replace('input: 0.1,', 'input: -1,'),
        "model 'tiny' (models[0]): pricing: input must be ≥ 0 (got -1)",
      ],
      [
        'missing field',
        VALID_MODEL.replace('    context_window: 1000\n', ''),
        "model 'tiny' (models[0]): context_window is missing",
      ],
      [
        'quality above 1',
        VALID_MODEL.replace('chat_lite: 0.6', 'chat_lite: 1.2'),
        "model 'tiny' (models[0]): quality: chat_lite must be ≤ 1 (got 1.2)",
      ],
      [
        'missing quality label',
        VALID_MODEL.replace(', safety_risk: 0.5', ''),
        "model 'tiny' (models[0]): quality: safety_risk is missing",
      ],
      [
        'unknown field',
        VALID_MODEL.replace('tier: economy', 'tier: economy\n    pricng: 1'),
        "model 'tiny' (models[0]): unknown field 'pricng'",
      ],
      [
        'unknown tier',
        VALID_MODEL.replace('tier: economy', 'tier: cheap'),
        'model \'tiny\' (models[0]): tier must be one of economy, standard, premium, reasoning (got "cheap")',
      ],
      [
        'non-boolean capability',
        VALID_MODEL.replace('vision: false', 'vision: maybe'),
        'model \'tiny\' (models[0]): capabilities: vision must be true or false (got "maybe")',
      ],
      [
        'output above window',
        VALID_MODEL.replace('max_output_tokens: 500', 'max_output_tokens: 5000'),
        "model 'tiny' (models[0]): max_output_tokens must not exceed context_window (5000 > 1000)",
      ],
      [
        'fractional window',
        VALID_MODEL.replace('context_window: 1000', 'context_window: 10.5'),
        "model 'tiny' (models[0]): context_window must be an integer (got 10.5)",
      ],
    ])('rejects %s, naming file, model and field', (_name, models, expected) => {
      expect(problemsOf(catalogText(models))).toContain(expected);
    });

    it('rejects duplicate ids and aliases across models and against routing aliases', () => {
      const second = VALID_MODEL.replace('id: tiny', 'id: other').replace(
        '[tiny-2025, Tiny-Latest]',
        '[TINY, router]',
      );
      expect(problemsOf(catalogText(VALID_MODEL + second))).toEqual([
        "model 'other': alias 'TINY' duplicates a name of model 'tiny'",
        "model 'other': alias 'router' duplicates a name of auto_aliases",
      ]);
      expect(problemsOf(catalogText(VALID_MODEL + VALID_MODEL))).toContain(
        "model 'tiny': id duplicates a name of model 'tiny'",
      );
    });

    it('reports every problem at once', () => {
      const broken = VALID_MODEL.replace('provider: openai', 'provider: acme').replace(
        'output: 0.4',
        'output: -2',
      );
      expect(problemsOf(catalogText(broken))).toHaveLength(2);
    });

    it('rejects an empty model list, YAML syntax errors and unreadable files', () => {
      expect(problemsOf('models: []')).toEqual(['top level: models must be a non-empty list of models']);
      expect(problemsOf('models: [\n  - id: x\n bad')[0]).toMatch(/^YAML syntax error/);
      expect(() => ModelCatalog.load('config/does-not-exist.yaml')).toThrow(
        /config\/does-not-exist.yaml.*cannot be read/s,
      );
    });

    describe('embedding_models', () => {
      const EMBED = `
embedding_models:
  - id: vec
    provider: openai
    aliases: [vec-2025]
    pricing: { input: 0.02 }
    dimensions: 1536
    shortenable: true
    max_input_tokens: 8191
`;

      it('loads them apart from chat models, resolvable by id or alias', () => {
        const withEmbeddings = ModelCatalog.fromYaml(catalogText(VALID_MODEL) + EMBED);
        expect(withEmbeddings.resolveEmbedding('VEC-2025')).toMatchObject({
          id: 'vec',
          upstream_id: 'vec',
          dimensions: 1536,
          shortenable: true,
          pricing: { input: 0.02 },
        });
        expect(withEmbeddings.resolve('vec')).toBeUndefined();
        expect(withEmbeddings.list().map((spec) => spec.id)).toEqual(['tiny']);
        expect(ModelCatalog.fromYaml(catalogText(VALID_MODEL)).embeddingModels()).toEqual([]);
      });

      it('refuses Anthropic (no embeddings API), bad fields and names taken by chat models', () => {
        const broken = EMBED.replace('provider: openai', 'provider: anthropic')
          .replace('dimensions: 1536', 'dimensions: 0')
          .replace('[vec-2025]', '[tiny]');
        expect(problemsOf(catalogText(VALID_MODEL) + broken)).toEqual([
          "embedding model 'vec' (embedding_models[0]): provider anthropic has no embeddings API",
          expect.stringContaining("embedding model 'vec' (embedding_models[0]): dimensions"),
        ]);
        expect(problemsOf(catalogText(VALID_MODEL) + EMBED.replace('[vec-2025]', '[tiny]'))).toEqual([
          "embedding model 'vec': alias 'tiny' duplicates a name of model 'tiny'",
        ]);
      });
    });

    it('is a pure parser for already-parsed documents', () => {
      expect(() => parseModelCatalog({ models: 'x' }, 'inline')).toThrow(RoutingConfigError);
    });
  });

  describe('the shipped config/models.yaml', () => {
    const shipped = ModelCatalog.load('config/models.yaml');

    it('loads and covers every provider family the issue asks for', () => {
      const ids = shipped.list().map((spec) => spec.id);
      for (const id of [
        'gpt-4o',
        'gpt-4o-mini',
        'gpt-4.1',
        'gpt-4.1-mini',
        'gpt-4.1-nano',
        'o3',
        'o4-mini',
      ]) {
        expect(ids).toContain(id);
      }
      for (const family of ['claude-haiku', 'claude-sonnet', 'claude-opus']) {
        expect(ids.some((id) => id.startsWith(family))).toBe(true);
      }
      for (const id of ['mistral-small-latest', 'mistral-large-latest', 'codestral-latest'])
        expect(ids).toContain(id);
      const providers = new Set(shipped.list().map((spec) => spec.provider));
      for (const provider of PROVIDER_KEYS.filter((key) => key !== 'litellm'))
        expect(providers).toContain(provider);
    });

    it('has at least one vision, tool and JSON-capable model per provider', () => {
      for (const provider of ['openai', 'anthropic', 'mistral'] as const) {
        const models = shipped.byProvider(provider);
        expect(models.some((spec) => spec.capabilities.vision)).toBe(true);
        expect(models.some((spec) => spec.capabilities.tools && spec.capabilities.json_mode)).toBe(true);
      }
    });
  });
});
