import { ConfigError, loadAppConfig, modeFromArgv, parseSize } from './app-config';

function problems(env: Record<string, string>, argv: string[] = []): string[] {
  try {
    loadAppConfig(env, argv);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadAppConfig', () => {
  it('has working defaults', () => {
    const config = loadAppConfig({});
    expect(config.mode).toBe('basic');
    expect(config.port).toBe(8000);
    expect(config.host).toBe('0.0.0.0');
    expect(config.dataDir).toBe('./data');
    expect(config.bodyLimitBytes).toBe(8 * 1024 * 1024);
    expect(config.intent).toMatchObject({
      enabled: true,
      lowConfidence: 0.4,
      minConfForDirect: 0.8,
      safetyReviewThreshold: 0.6,
    });
    expect(config.providers.openai.baseUrl).toBe('https://api.openai.com/v1');
    expect(config.features.staticApiKeys).toBe(true);
  });

  it.each([
    [{ INTENT_LOW_CONFIDENCE: 'abc' }, /^INTENT_LOW_CONFIDENCE must be a number .*\(got "abc"\)$/],
    [{ PORT: '-1' }, /^PORT must not be less than 0 \(got "-1"\)$/],
    [
      { INTENT_SAFETY_REVIEW_THRESHOLD: '1.5' },
      /^INTENT_SAFETY_REVIEW_THRESHOLD must not be greater than 1 \(got "1.5"\)$/,
    ],
    [{ PORT: '80a' }, /^PORT must be an integer number/],
    [
      { DATABASE_URL: 'mysql://x' },
      /^DATABASE_URL must be a URL starting with postgres:\/\/ or postgresql:\/\/ \(got <redacted>\)$/,
    ],
    [{ TEST_MODE: 'maybe' }, /^TEST_MODE must be a boolean value \(got "maybe"\)$/],
    [{ MODE: 'turbo' }, /^MODE must be one of the following values: basic, enhanced, production/],
    [{ BODY_LIMIT: 'lots' }, /^BODY_LIMIT must be a size/],
    [
      { INTENT_LOW_CONFIDENCE: '0.9', INTENT_MIN_CONF_FOR_DIRECT: '0.5' },
      /^INTENT_LOW_CONFIDENCE must not exceed/,
    ],
    [
      { SHADOW_LOW_CONFIDENCE: '0.9' },
      /^SHADOW_LOW_CONFIDENCE must not exceed SHADOW_MIN_CONF_FOR_DIRECT .*\(got 0.9 > 0.8\)$/,
    ],
    [
      { SHADOW_CLASSIFIER: 'llm' },
      /^SHADOW_CLASSIFIER must be one of the following values: live, heuristic, model/,
    ],
  ])('rejects %j with one line naming the variable', (env, pattern) => {
    const found = problems(env as Record<string, string>);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(pattern);
  });

  it('never prints secret values', () => {
    const found = problems({ ADMIN_API_KEY: 'short secret' });
    expect(found[0]).toContain('ADMIN_API_KEY');
    expect(found[0]).not.toContain('short secret');
  });

  it('refuses production without DATABASE_URL and REDIS_URL, naming both', () => {
    const found = problems({ MODE: 'production' });
    expect(found.join('\n')).toMatch(/DATABASE_URL is required in production mode/);
    expect(found.join('\n')).toMatch(/REDIS_URL is required in production mode/);
  });

  it('refuses production without API_KEY_HASH_SECRET, saying why and how to make one', () => {
    const shared = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/x', REDIS_URL: 'redis://127.0.0.1:6379' };
    expect(problems({ MODE: 'production', ...shared })).toEqual([
      expect.stringMatching(/^API_KEY_HASH_SECRET is required in production mode: .*openssl rand -hex 32/),
    ]);
    const secret = 'a-hash-secret-of-at-least-32-characters';
    expect(problems({ MODE: 'production', ...shared, API_KEY_HASH_SECRET: secret })).toEqual([]);
    expect(problems({ MODE: 'enhanced' })).toEqual([]); // optional outside production
  });

  it.each([
    ['API_KEYS', 'sk-a', /^API_KEYS key #1 is 4 characters long; at least 16 are needed/],
    ['API_KEYS', 'mm-good-key-0123456789,aaaaaaaaaaaaaaaaaaaa', /^API_KEYS key #2 uses only 1 different/],
    ['ADMIN_API_KEY', 'abababababababababab', /^ADMIN_API_KEY uses only 2 different characters/],
    ['METRICS_TOKEN', 'short', /^METRICS_TOKEN is 5 characters long/],
  ])('refuses a weak %s without printing it', (name, value, pattern) => {
    const found = problems({ [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(pattern);
    expect(found[0]).toContain('openssl rand');
    for (const key of value.split(',')) expect(found[0]).not.toContain(key);
  });

  it('reads the authentication-abuse settings', () => {
    const config = loadAppConfig({
      AUTH_FAILURE_LIMIT: '5',
      AUTH_FAILURE_WINDOW_SECONDS: '30',
      TRUST_PROXY: '10.0.0.0/8, loopback',
      METRICS_TOKEN: 'metrics-token-0123456789',
    });
    expect(config.auth).toEqual({
      failureLimit: 5,
      failureWindowMs: 30_000,
      trustProxy: ['10.0.0.0/8', 'loopback'],
      metricsToken: 'metrics-token-0123456789',
    });
    expect(loadAppConfig({}).auth).toMatchObject({ failureLimit: 20, trustProxy: false, metricsToken: null });
    expect(loadAppConfig({ TRUST_PROXY: '1' }).auth.trustProxy).toBe(1);
  });

  it.each([
    ['true', /^TRUST_PROXY=true would believe any X-Forwarded-For/],
    ['11', /^TRUST_PROXY must be at most 10 hops/],
    ['10.0.0.0/33', /^TRUST_PROXY must be false, a number of hops, or addresses/],
    ['proxy.internal', /not "proxy.internal"/],
  ])('refuses TRUST_PROXY=%s', (value, pattern) => {
    const found = problems({ TRUST_PROXY: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(pattern);
  });

  it('lets --mode win over MODE', () => {
    expect(loadAppConfig({ MODE: 'basic' }, ['--mode', 'enhanced']).mode).toBe('enhanced');
    expect(loadAppConfig({ MODE: 'basic' }, ['--mode=enhanced']).mode).toBe('enhanced');
    expect(modeFromArgv(['x'])).toBeUndefined();
  });

  it('parses booleans, sizes and lists strictly', () => {
    const [a, b, c] = ['key-a-0123456789ab', 'key-b-0123456789ab', 'key-c-0123456789ab'];
    const config = loadAppConfig({ TEST_MODE: 'TRUE', BODY_LIMIT: '512kb', API_KEYS: ` ${a} , ${b},,${c} ` });
    expect(config.testMode).toBe(true);
    expect(config.bodyLimitBytes).toBe(512 * 1024);
    expect(config.apiKeys).toEqual([a, b, c]);
    expect(parseSize('1gb')).toBe(1024 ** 3);
  });

  it('derives the OTLP traces URL from the base endpoint', () => {
    expect(
      loadAppConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).telemetry.otlpTracesEndpoint,
    ).toBe('http://collector:4318/v1/traces');
  });
});

describe('WORKERS', () => {
  it('accepts auto and numbers with DATABASE_URL, and refuses several workers on the embedded database', () => {
    const db = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/x' };
    expect(loadAppConfig({ ...db, WORKERS: 'auto' }).workers).toBe(0);
    expect(loadAppConfig({ ...db, WORKERS: '3' }).workers).toBe(3);
    expect(() => loadAppConfig({ WORKERS: '2' })).toThrow(/WORKERS=2 needs DATABASE_URL/);
    expect(() => loadAppConfig({ ...db, WORKERS: 'many' })).toThrow(/WORKERS must be "auto" or a number/);
  });
});
