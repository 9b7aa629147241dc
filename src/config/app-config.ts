import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, ValidationError } from 'class-validator';
import { KEY_ADVICE, keyWeakness, parseTrustProxy, TrustProxySetting } from './auth-config';
import { EnvironmentVariables, isSecretVariable, LogLevel, TraceSamplerName } from './env.schema';
import { MODE_FEATURES, MODES, Mode, ModeFeatures } from './modes';

export type BudgetPeriod = 'daily' | 'weekly' | 'monthly' | 'total';

export interface ProviderEndpointConfig {
  apiKey: string | null;
  baseUrl: string;
}

/**
 * The validated, typed configuration. Injected everywhere as the `AppConfig` class token;
 * built once by loadAppConfig() from the environment and the command line.
 */
/** SHADOW_* (docs/routing.md "Shadow classification and routing"). */
export interface ShadowSettings {
  enabled: boolean;
  /** Tenants without a setting of their own take part. */
  defaultOn: boolean;
  sampleRate: number;
  /** The candidate classifier: the mode's label source and trained-model calibration overrides (null: the model's). */
  classifier: {
    mode: 'live' | 'heuristic' | 'model';
    temperature: number | null;
    heuristicWeight: number | null;
    safetyThreshold: number | null;
  };
  /** Candidate routing.yaml / models.yaml paths (null: the live ones) and thresholds (null: the live ones). */
  routingFile: string | null;
  modelsFile: string | null;
  lowConfidence: number | null;
  minConfForDirect: number | null;
  queueMax: number;
  tickBudgetMs: number;
  maxCpuShare: number;
  requestsMaxInFlight: number;
}

export class AppConfig {
  mode!: Mode;
  features!: ModeFeatures;
  testMode!: boolean;
  /** DASHBOARD_ENABLED: serve the admin dashboard's static files at /dashboard. */
  dashboardEnabled!: boolean;
  port!: number;
  host!: string;
  logLevel!: LogLevel;
  bodyLimitBytes!: number;
  /** Request-shape limits, enforced before any work on a body (README "Limits"). */
  limits!: RequestLimits;
  shutdownTimeoutMs!: number;
  /** SIGTERM: readiness fails for this long (still serving) before the server stops accepting. */
  shutdownDrainDelayMs!: number;
  /** A stream whose client has read nothing for this long is ended (STREAM_WRITE_STALL_TIMEOUT_MS). */
  streamWriteStallMs!: number;
  workers!: number;
  dataDir!: string;
  databaseUrl!: string | null;
  databasePoolSize!: number;
  /** Named prepared statements for the hot batched writes (DATABASE_PREPARED_STATEMENTS). */
  databasePreparedStatements!: boolean;
  redisUrl!: string | null;
  redisKeyPrefix!: string;
  apiKeys!: string[];
  adminApiKey!: string | null;
  /** HMAC key for stored API-key digests (API_KEY_HASH_SECRET); null = built-in constant. */
  apiKeyHashSecret!: string | null;
  keyCacheTtlMs!: number;
  auth!: {
    /** Failed authentications allowed per client address per window (0 = no limit). */
    failureLimit: number;
    failureWindowMs: number;
    /** Express `trust proxy`: how the client address is found behind proxies. */
    trustProxy: TrustProxySetting;
    /** Bearer token for /metrics/prometheus and readiness details; null = metrics public. */
    metricsToken: string | null;
  };
  providers!: {
    openai: ProviderEndpointConfig;
    anthropic: ProviderEndpointConfig & { version: string };
    mistral: ProviderEndpointConfig;
    /** baseUrl is null when LITELLM_BASE_URL is unset. */
    litellm: {
      apiKey: string | null;
      baseUrl: string | null;
      /** LITELLM_MODELS: model ids the proxy serves, used instead of its /v1/models (empty: discover). */
      staticModels: string[];
      /** How often /v1/models and /model/info are read again (0: only at start-up). */
      discoveryIntervalMs: number;
    };
    timeouts: { connectMs: number; firstByteMs: number; totalMs: number };
    retries: { max: number; baseDelayMs: number; maxDelayMs: number };
    circuit: { failureThreshold: number; resetMs: number };
    maxConnections: number;
  };
  intent!: {
    enabled: boolean;
    lowConfidence: number;
    minConfForDirect: number;
    llmFallbackModel: string;
    llmFallbackTimeoutMs: number;
    /**
     * The safety review (docs/intent.md): a request the local classifier did not flag, whose safety
     * probability is at least this, is shown to the fallback model, which may flag it. 1 = never.
     */
    safetyReviewThreshold: number;
  };
  routing!: { modelsFile: string; routingFile: string; policyFile: string };
  /** The routing decision log (docs/routing.md "Routing lab"). */
  decisionLog!: { enabled: boolean; retentionDays: number; bufferMax: number };
  /** Shadow classification and routing (docs/routing.md "Shadow classification and routing"). */
  shadow!: ShadowSettings;
  billing!: {
    budgetLimitUsd: number | null;
    budgetPeriod: BudgetPeriod;
    budgetHoldTtlMs: number;
    /** Output tokens reserved for a request without max_tokens: the p99 estimate within [floor, cap]. */
    reserveOutputFloorTokens: number;
    reserveOutputCapTokens: number;
    usageFlushIntervalMs: number;
    usageBatchSize: number;
    usageBufferMax: number;
    /** Answer only once usage and budget settlement are written (USAGE_DURABLE_ACK). */
    usageDurableAck: boolean;
    usageAckTimeoutMs: number;
    /** Days request decisions stay in the audit trail (AUDIT_RETENTION_DAYS); 0 = forever. */
    auditRetentionDays: number;
    rateLimitPerMinute: number;
    tenantMaxInFlight: number;
    tenantMaxStreams: number;
  };
  cache!: {
    ttlSeconds: number;
    /** Per tenant (namespace) for the semantic cache; overall for the in-memory exact cache. */
    maxEntries: number;
    maxBytes: number;
    mode: 'semantic' | 'exact';
    embedder: string;
    semanticThreshold: number | null;
    syncIntervalMs: number;
  };
  telemetry!: {
    serviceName: string;
    otlpTracesEndpoint: string | null;
    otlpHeaders: string | null;
    /** OTEL_TRACES_SAMPLER and its ratio (OTEL_TRACES_SAMPLER_ARG). */
    sampler: { name: TraceSamplerName; ratio: number };
    /** Prompt/completion content on client spans (opt-in), redacted, at most contentMaxChars each. */
    captureContent: boolean;
    contentMaxChars: number;
    /** Per-tenant metrics: tenants with their own label (per replica), and what the label holds. */
    tenantLabelLimit: number;
    tenantLabel: 'id' | 'name';
  };
}

export interface RequestLimits {
  jsonMaxDepth: number;
  jsonMaxNodes: number;
  jsonMaxKeys: number;
  chatMaxMessages: number;
  chatMaxContentParts: number;
  chatMaxTools: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'ConfigError';
  }
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(text.trim());
  if (!match) throw new Error(`not a size: ${text}`);
  return Math.floor(Number(match[1]) * SIZE_UNITS[(match[2] ?? 'b').toLowerCase()]);
}

/** `--mode x` or `--mode=x` on the command line wins over MODE. */
export function modeFromArgv(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--mode') return argv[i + 1] ?? '';
    if (arg.startsWith('--mode=')) return arg.slice('--mode='.length);
  }
  return undefined;
}

/** Type errors say more than range errors about a value like "abc": report them first. */
const TYPE_CONSTRAINTS = ['isInt', 'isNumber', 'isBoolean', 'isIn', 'isString'];

function describeProblem(error: ValidationError, raw: Record<string, string>): string {
  const name = error.property;
  const shown = isSecretVariable(name) ? '<redacted>' : JSON.stringify(raw[name] ?? String(error.value));
  const constraints = error.constraints ?? {};
  const typeKey = TYPE_CONSTRAINTS.find((key) => key in constraints);
  const reason = (typeKey ? constraints[typeKey] : Object.values(constraints)[0]) ?? 'is invalid';
  // class-validator messages start with the property name; keep one clean sentence.
  const text = reason.startsWith(name) ? reason.slice(name.length).trim() : reason;
  return `${name} ${text} (got ${shown})`;
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/**
 * Validates the environment and builds the typed configuration. Throws ConfigError with one
 * line per invalid variable, each naming the variable.
 */
export function loadAppConfig(env: NodeJS.ProcessEnv, argv: readonly string[] = []): AppConfig {
  const raw = rawEnvironment(env, argv);
  const vars = plainToInstance(EnvironmentVariables, raw);
  const errors = validateSync(vars, { skipMissingProperties: false, forbidUnknownValues: false });
  const problems = errors.map((error) => describeProblem(error, raw));
  if (problems.length === 0) problems.push(...crossFieldProblems(vars));
  if (problems.length > 0) throw new ConfigError(problems);
  return buildConfig(vars);
}

/** The variables we know that are set (an empty value counts as unset); --mode wins over MODE. */
function rawEnvironment(env: NodeJS.ProcessEnv, argv: readonly string[]): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const key of environmentVariableNames()) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const cliMode = modeFromArgv(argv);
  if (cliMode !== undefined) raw.MODE = cliMode;
  return raw;
}

/** What each variable is valid alone but not with the others (or in the chosen mode). */
function crossFieldProblems(vars: EnvironmentVariables): string[] {
  const problems: string[] = [];
  if (vars.INTENT_LOW_CONFIDENCE > vars.INTENT_MIN_CONF_FOR_DIRECT) {
    problems.push(
      `INTENT_LOW_CONFIDENCE must not exceed INTENT_MIN_CONF_FOR_DIRECT (got ${vars.INTENT_LOW_CONFIDENCE} > ${vars.INTENT_MIN_CONF_FOR_DIRECT})`,
    );
  }
  const shadowLow = vars.SHADOW_LOW_CONFIDENCE ?? vars.INTENT_LOW_CONFIDENCE;
  const shadowDirect = vars.SHADOW_MIN_CONF_FOR_DIRECT ?? vars.INTENT_MIN_CONF_FOR_DIRECT;
  const shadowThresholds =
    vars.SHADOW_LOW_CONFIDENCE !== undefined || vars.SHADOW_MIN_CONF_FOR_DIRECT !== undefined;
  if (shadowThresholds && shadowLow > shadowDirect) {
    problems.push(
      `SHADOW_LOW_CONFIDENCE must not exceed SHADOW_MIN_CONF_FOR_DIRECT (unset: the INTENT_* one) (got ${shadowLow} > ${shadowDirect})`,
    );
  }
  if (vars.RESERVE_OUTPUT_FLOOR_TOKENS > vars.RESERVE_OUTPUT_CAP_TOKENS) {
    problems.push(
      `RESERVE_OUTPUT_FLOOR_TOKENS must not exceed RESERVE_OUTPUT_CAP_TOKENS (got ${vars.RESERVE_OUTPUT_FLOOR_TOKENS} > ${vars.RESERVE_OUTPUT_CAP_TOKENS})`,
    );
  }
  const features = MODE_FEATURES[vars.MODE];
  if (features.requiresDatabase && !vars.DATABASE_URL) {
    problems.push(
      `DATABASE_URL is required in ${vars.MODE} mode (the embedded database is for basic/enhanced)`,
    );
  }
  if (vars.WORKERS !== '1' && !vars.DATABASE_URL) {
    problems.push(
      `WORKERS=${vars.WORKERS} needs DATABASE_URL: the embedded database serves one process (use WORKERS=1 or set DATABASE_URL)`,
    );
  }
  if (features.requiresRedis && !vars.REDIS_URL) {
    problems.push(
      `REDIS_URL is required in ${vars.MODE} mode (limits and revocations are shared across replicas)`,
    );
  }
  if (features.requiresKeyHashSecret && !vars.API_KEY_HASH_SECRET) {
    problems.push(
      `API_KEY_HASH_SECRET is required in ${vars.MODE} mode: database keys are stored as HMACs under this secret, kept outside the database (at least 32 characters; generate one with: openssl rand -hex 32)`,
    );
  }
  problems.push(...secretProblems(vars));
  const trustProxy = parseTrustProxy(vars.TRUST_PROXY);
  if ('problem' in trustProxy) problems.push(trustProxy.problem);
  return problems;
}

/** The typed configuration from validated variables. */
function buildConfig(vars: EnvironmentVariables): AppConfig {
  const config = new AppConfig();
  config.mode = vars.MODE;
  config.features = MODE_FEATURES[vars.MODE];
  config.testMode = vars.TEST_MODE;
  config.dashboardEnabled = vars.DASHBOARD_ENABLED;
  config.port = vars.PORT;
  config.host = vars.HOST;
  config.logLevel = vars.LOG_LEVEL;
  config.bodyLimitBytes = parseSize(vars.BODY_LIMIT);
  config.limits = requestLimitSettings(vars);
  config.shutdownTimeoutMs = vars.SHUTDOWN_TIMEOUT_MS;
  config.shutdownDrainDelayMs = vars.SHUTDOWN_DRAIN_DELAY_MS;
  config.streamWriteStallMs = vars.STREAM_WRITE_STALL_TIMEOUT_MS;
  config.workers = vars.WORKERS === 'auto' ? 0 : Math.max(1, Number(vars.WORKERS));
  config.dataDir = vars.DATA_DIR;
  config.databaseUrl = vars.DATABASE_URL ?? null;
  config.databasePoolSize = vars.DATABASE_POOL_SIZE;
  config.databasePreparedStatements = vars.DATABASE_PREPARED_STATEMENTS;
  config.redisUrl = vars.REDIS_URL ?? null;
  config.redisKeyPrefix = vars.REDIS_KEY_PREFIX;
  config.apiKeys = splitList(vars.API_KEYS);
  config.adminApiKey = vars.ADMIN_API_KEY ?? null;
  config.apiKeyHashSecret = vars.API_KEY_HASH_SECRET ?? null;
  config.keyCacheTtlMs = vars.KEY_CACHE_TTL_MS;
  config.auth = {
    failureLimit: vars.AUTH_FAILURE_LIMIT,
    failureWindowMs: vars.AUTH_FAILURE_WINDOW_SECONDS * 1000,
    trustProxy: (parseTrustProxy(vars.TRUST_PROXY) as { value: TrustProxySetting }).value,
    metricsToken: vars.METRICS_TOKEN ?? null,
  };
  config.providers = providerSettings(vars);
  config.intent = {
    enabled: vars.ROUTER_INTENT_CLASSIFIER_ENABLED,
    lowConfidence: vars.INTENT_LOW_CONFIDENCE,
    minConfForDirect: vars.INTENT_MIN_CONF_FOR_DIRECT,
    llmFallbackModel: vars.INTENT_LLM_FALLBACK_MODEL,
    llmFallbackTimeoutMs: vars.INTENT_LLM_FALLBACK_TIMEOUT_MS,
    safetyReviewThreshold: vars.INTENT_SAFETY_REVIEW_THRESHOLD,
  };
  config.routing = {
    modelsFile: vars.MODELS_FILE,
    routingFile: vars.ROUTING_FILE,
    policyFile: vars.POLICY_FILE,
  };
  config.decisionLog = {
    enabled: vars.DECISION_LOG_ENABLED,
    retentionDays: vars.DECISION_LOG_RETENTION_DAYS,
    bufferMax: vars.DECISION_LOG_BUFFER_MAX,
  };
  config.shadow = shadowSettings(vars);
  config.billing = billingSettings(vars);
  config.cache = cacheSettings(vars);
  config.telemetry = telemetrySettings(vars);
  return config;
}

function shadowSettings(vars: EnvironmentVariables): ShadowSettings {
  return {
    enabled: vars.SHADOW_ENABLED,
    defaultOn: vars.SHADOW_DEFAULT_ON,
    sampleRate: vars.SHADOW_SAMPLE_RATE,
    classifier: {
      mode: vars.SHADOW_CLASSIFIER,
      temperature: vars.SHADOW_MODEL_TEMPERATURE ?? null,
      heuristicWeight: vars.SHADOW_MODEL_HEURISTIC_WEIGHT ?? null,
      safetyThreshold: vars.SHADOW_MODEL_SAFETY_THRESHOLD ?? null,
    },
    routingFile: vars.SHADOW_ROUTING_FILE ?? null,
    modelsFile: vars.SHADOW_MODELS_FILE ?? null,
    lowConfidence: vars.SHADOW_LOW_CONFIDENCE ?? null,
    minConfForDirect: vars.SHADOW_MIN_CONF_FOR_DIRECT ?? null,
    queueMax: vars.SHADOW_QUEUE_MAX,
    tickBudgetMs: vars.SHADOW_TICK_BUDGET_MS,
    maxCpuShare: vars.SHADOW_MAX_CPU_SHARE,
    requestsMaxInFlight: vars.SHADOW_REQUESTS_MAX_IN_FLIGHT,
  };
}

function requestLimitSettings(vars: EnvironmentVariables): AppConfig['limits'] {
  return {
    jsonMaxDepth: vars.JSON_MAX_DEPTH,
    jsonMaxNodes: vars.JSON_MAX_NODES,
    jsonMaxKeys: vars.JSON_MAX_KEYS,
    chatMaxMessages: vars.CHAT_MAX_MESSAGES,
    chatMaxContentParts: vars.CHAT_MAX_CONTENT_PARTS,
    chatMaxTools: vars.CHAT_MAX_TOOLS,
  };
}

function cacheSettings(vars: EnvironmentVariables): AppConfig['cache'] {
  return {
    ttlSeconds: vars.CACHE_TTL_SECONDS,
    maxEntries: vars.CACHE_MAX_ENTRIES,
    maxBytes: vars.CACHE_MAX_BYTES,
    mode: vars.CACHE_MODE,
    embedder: vars.CACHE_EMBEDDER,
    semanticThreshold: vars.CACHE_SEMANTIC_THRESHOLD ?? null,
    syncIntervalMs: vars.CACHE_SYNC_INTERVAL_MS,
  };
}

function providerSettings(vars: EnvironmentVariables): AppConfig['providers'] {
  return {
    openai: { apiKey: vars.OPENAI_API_KEY ?? null, baseUrl: vars.OPENAI_BASE_URL },
    anthropic: {
      apiKey: vars.ANTHROPIC_API_KEY ?? null,
      baseUrl: vars.ANTHROPIC_BASE_URL,
      version: vars.ANTHROPIC_VERSION,
    },
    mistral: { apiKey: vars.MISTRAL_API_KEY ?? null, baseUrl: vars.MISTRAL_BASE_URL },
    litellm: {
      apiKey: vars.LITELLM_API_KEY ?? null,
      baseUrl: vars.LITELLM_BASE_URL ?? null,
      staticModels: (vars.LITELLM_MODELS ?? '')
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== ''),
      discoveryIntervalMs: vars.LITELLM_DISCOVERY_INTERVAL_MS,
    },
    timeouts: {
      connectMs: vars.PROVIDER_CONNECT_TIMEOUT_MS,
      firstByteMs: vars.PROVIDER_FIRST_BYTE_TIMEOUT_MS,
      totalMs: vars.PROVIDER_TOTAL_TIMEOUT_MS,
    },
    retries: {
      max: vars.PROVIDER_MAX_RETRIES,
      baseDelayMs: vars.PROVIDER_RETRY_BASE_MS,
      maxDelayMs: vars.PROVIDER_RETRY_MAX_MS,
    },
    circuit: { failureThreshold: vars.CIRCUIT_FAILURE_THRESHOLD, resetMs: vars.CIRCUIT_RESET_MS },
    maxConnections: vars.PROVIDER_MAX_CONNECTIONS,
  };
}

function billingSettings(vars: EnvironmentVariables): AppConfig['billing'] {
  return {
    budgetLimitUsd: vars.BUDGET_LIMIT_USD ?? null,
    budgetPeriod: vars.BUDGET_PERIOD,
    budgetHoldTtlMs: vars.BUDGET_HOLD_TTL_MS,
    reserveOutputFloorTokens: vars.RESERVE_OUTPUT_FLOOR_TOKENS,
    reserveOutputCapTokens: vars.RESERVE_OUTPUT_CAP_TOKENS,
    usageFlushIntervalMs: vars.USAGE_FLUSH_INTERVAL_MS,
    usageBatchSize: vars.USAGE_BATCH_SIZE,
    usageBufferMax: vars.USAGE_BUFFER_MAX,
    usageDurableAck: vars.USAGE_DURABLE_ACK,
    usageAckTimeoutMs: vars.USAGE_ACK_TIMEOUT_MS,
    auditRetentionDays: vars.AUDIT_RETENTION_DAYS,
    rateLimitPerMinute: vars.RATE_LIMIT_RPM,
    tenantMaxInFlight: vars.TENANT_MAX_IN_FLIGHT,
    tenantMaxStreams: vars.TENANT_MAX_STREAMS,
  };
}

function telemetrySettings(vars: EnvironmentVariables): AppConfig['telemetry'] {
  return {
    serviceName: vars.OTEL_SERVICE_NAME,
    otlpTracesEndpoint:
      vars.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
      (vars.OTEL_EXPORTER_OTLP_ENDPOINT
        ? `${vars.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`
        : null),
    otlpHeaders: vars.OTEL_EXPORTER_OTLP_HEADERS ?? null,
    sampler: { name: vars.OTEL_TRACES_SAMPLER, ratio: vars.OTEL_TRACES_SAMPLER_ARG },
    captureContent: vars.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT,
    contentMaxChars: vars.GENAI_CONTENT_MAX_CHARS,
    tenantLabelLimit: vars.METRICS_TENANT_LIMIT,
    tenantLabel: vars.METRICS_TENANT_LABEL,
  };
}

/**
 * Operator-chosen secrets must be long and varied enough to resist guessing (failed attempts
 * are also throttled per address, see src/auth/auth-failure-throttle.ts). Names the variable
 * and the key's position, never the key.
 */
function secretProblems(vars: EnvironmentVariables): string[] {
  const problems: string[] = [];
  splitList(vars.API_KEYS).forEach((key, index) => {
    const weakness = keyWeakness(key);
    if (weakness) problems.push(`API_KEYS key #${index + 1} ${weakness} (${KEY_ADVICE})`);
  });
  for (const name of ['ADMIN_API_KEY', 'METRICS_TOKEN'] as const) {
    const value = vars[name];
    const weakness = value === undefined ? null : keyWeakness(value);
    if (weakness) problems.push(`${name} ${weakness} (${KEY_ADVICE})`);
  }
  return problems;
}

/** Every variable the schema declares (from its validation metadata). */
export function environmentVariableNames(): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(EnvironmentVariables, '', true, false);
  return [...new Set(metadata.map((entry) => entry.propertyName))];
}

/** The modes, for messages. */
export const MODE_NAMES = MODES.join('|');

/** A one-line, secret-free summary for the start-up log. */
export function describeConfig(config: AppConfig): Record<string, unknown> {
  return {
    mode: config.mode,
    testMode: config.testMode,
    port: config.port,
    host: config.host,
    database: config.databaseUrl ? 'postgres' : `embedded (${config.dataDir})`,
    redis: config.redisUrl ? 'configured' : 'none (in-memory state)',
    staticApiKeys: config.apiKeys.length,
    adminApi: config.adminApiKey ? 'enabled' : 'disabled',
    dashboard: config.dashboardEnabled ? '/dashboard' : 'off',
    metrics: config.auth.metricsToken ? 'token required' : 'public',
    authFailureLimit: config.auth.failureLimit,
    trustProxy: config.auth.trustProxy,
    providers: {
      openai: Boolean(config.providers.openai.apiKey),
      anthropic: Boolean(config.providers.anthropic.apiKey),
      mistral: Boolean(config.providers.mistral.apiKey),
      litellm: Boolean(config.providers.litellm.baseUrl),
    },
    intentClassifier: config.intent.enabled,
    tracing: config.telemetry.otlpTracesEndpoint
      ? `otlp, sampler ${config.telemetry.sampler.name} ${config.telemetry.sampler.ratio}`
      : 'off',
    spanContent: config.telemetry.captureContent ? 'captured (PII-redacted)' : 'off',
  };
}
