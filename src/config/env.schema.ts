import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  registerDecorator,
  ValidationOptions,
} from 'class-validator';
import { MODES } from './modes';
import type { Mode } from './modes';

/* ---------- parsing helpers: env values are strings; parse strictly ---------- */

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

function toBoolean({ value }: { value: unknown }): unknown {
  if (typeof value !== 'string') return value;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return value; // left as a string: @IsBoolean reports it
}

function toNumber({ value }: { value: unknown }): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  return trimmed === '' ? Number.NaN : Number(trimmed); // NaN fails @IsNumber/@IsInt
}

/** The GenAI content-capture switch: a boolean, or the values newer instrumentations accept. */
/** The OTEL_TRACES_SAMPLER values the gateway understands (the SDK's built-in samplers). */
export const TRACE_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type TraceSamplerName = (typeof TRACE_SAMPLERS)[number];

function toContentCapture({ value }: { value: unknown }): unknown {
  if (typeof value !== 'string') return value;
  const word = value.trim().toLowerCase();
  if (word === 'span_only' || word === 'span_and_event') return true;
  if (word === 'no_content' || word === 'event_only') return false;
  return toBoolean({ value });
}

const SECRET_KEYS = new Set<string>();

/** Marks a variable whose value must never be printed (logs, error messages). */
function Secret(): PropertyDecorator {
  return (_target, key) => {
    SECRET_KEYS.add(String(key));
  };
}

export function isSecretVariable(name: string): boolean {
  return SECRET_KEYS.has(name);
}

/** A URL with one of the given protocols, parsed by WHATWG URL. */
function IsConnectionUrl(protocols: string[], options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'isConnectionUrl',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
        ...options,
      },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string') return false;
          try {
            const url = new URL(value);
            return protocols.includes(url.protocol) && (url.hostname !== '' || url.searchParams.has('host'));
          } catch {
            return false;
          }
        },
      },
    });
  };
}

const HTTP = ['http:', 'https:'];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Every environment variable ModelMuxer reads, with its default. Validated once at start-up by
 * loadAppConfig(); nothing else reads process.env. Each one is documented in .env.example.
 */
export class EnvironmentVariables {
  /* ---- server ---- */
  @Transform(toNumber) @IsInt() @Min(0) @Max(65535) PORT = 8000;
  @IsString() @Matches(/^[\w.:-]+$/, { message: 'must be a host name or IP address' }) HOST = '0.0.0.0';
  @IsIn(MODES) MODE: Mode = 'basic';
  @Transform(toBoolean) @IsBoolean() TEST_MODE = false;
  /** The admin dashboard at /dashboard (static files; its data comes from the admin API). */
  @Transform(toBoolean) @IsBoolean() DASHBOARD_ENABLED = true;
  @IsIn(LOG_LEVELS) LOG_LEVEL: LogLevel = 'info';
  @Matches(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, { message: 'must be a size such as 20mb, 512kb or 1048576' })
  /** 8 MB: a 1M-token prompt plus images fits; JSON.parse of 20 MB alone blocked the loop ~50 ms. */
  BODY_LIMIT = '8mb';
  @Transform(toNumber) @IsInt() @Min(0) @Max(600_000) SHUTDOWN_TIMEOUT_MS = 15_000;
  /**
   * On SIGTERM, how long /health/ready answers 503 while the server still serves everything,
   * before it stops accepting (balancers see the failing probe and stop sending). SIGINT skips it.
   */
  @Transform(toNumber) @IsInt() @Min(0) @Max(600_000) SHUTDOWN_DRAIN_DELAY_MS = 5_000;
  /* ---- request limits (checked before any work on a body; README "Limits") ---- */
  /** Deepest nesting of arrays/objects in a JSON body. */
  @Transform(toNumber) @IsInt() @Min(4) @Max(10_000) JSON_MAX_DEPTH = 64;
  /** Most structural elements (objects, arrays, members, items) in a JSON body. */
  @Transform(toNumber) @IsInt() @Min(100) @Max(10_000_000) JSON_MAX_NODES = 100_000;
  /** Most keys in one JSON object. */
  @Transform(toNumber) @IsInt() @Min(16) @Max(1_000_000) JSON_MAX_KEYS = 1_000;
  @Transform(toNumber) @IsInt() @Min(1) @Max(1_000_000) CHAT_MAX_MESSAGES = 2_048;
  /** Per message. */
  @Transform(toNumber) @IsInt() @Min(1) @Max(100_000) CHAT_MAX_CONTENT_PARTS = 256;
  @Transform(toNumber) @IsInt() @Min(0) @Max(10_000) CHAT_MAX_TOOLS = 128;
  @IsString()
  @Matches(/^(auto|\d+)$/, { message: 'must be "auto" or a number of worker processes' })
  WORKERS = '1';

  /* ---- storage ---- */
  @IsString() DATA_DIR = './data';
  @IsOptional() @Secret() @IsConnectionUrl(['postgres:', 'postgresql:']) DATABASE_URL?: string;
  @IsOptional() @Secret() @IsConnectionUrl(['redis:', 'rediss:']) REDIS_URL?: string;
  @Transform(toNumber) @IsInt() @Min(1) @Max(200) DATABASE_POOL_SIZE = 10;
  /**
   * The hot batched writes (usage rows, roll-up pass, budget settlements) as named prepared
   * statements, planned once per connection. false behind a pooler that cannot keep them
   * (PgBouncer in transaction mode before 1.21, or without max_prepared_statements).
   */
  @Transform(toBoolean) @IsBoolean() DATABASE_PREPARED_STATEMENTS = true;
  /** Prefix of every Redis key ModelMuxer writes (lets several deployments share a Redis). */
  @IsString()
  @Matches(/^[\w:.-]{0,64}$/, { message: 'must be up to 64 characters of letters, digits, _ : . -' })
  REDIS_KEY_PREFIX = 'mm:';

  /* ---- keys ---- */
  @IsOptional() @Secret() @IsString() API_KEYS?: string;
  @IsOptional()
  @Secret()
  @IsString()
  @Matches(/^\S{16,}$/, { message: 'must be at least 16 characters without spaces' })
  ADMIN_API_KEY?: string;
  /**
   * Key of the HMAC that database API keys are stored under. Changing it invalidates every issued
   * key. Unset: a built-in constant (the keys' 256 bits of entropy still make the digest useless
   * to an attacker, but a secret kept outside the database adds a second barrier).
   */
  @IsOptional()
  @Secret()
  @IsString()
  @Matches(/^\S{32,}$/, { message: 'must be at least 32 characters without spaces' })
  API_KEY_HASH_SECRET?: string;
  /** How long a resolved API key stays in the in-memory cache (revocation delay bound without Redis). */
  @Transform(toNumber) @IsInt() @Min(0) @Max(300_000) KEY_CACHE_TTL_MS = 5_000;

  /* ---- authentication abuse ---- */
  /** Failed authentications (wrong keys) allowed per client address per window; 0 = no limit. */
  @Transform(toNumber) @IsInt() @Min(0) @Max(1_000_000) AUTH_FAILURE_LIMIT = 20;
  @Transform(toNumber) @IsInt() @Min(1) @Max(86_400) AUTH_FAILURE_WINDOW_SECONDS = 60;
  /** Which proxies' X-Forwarded-For is believed: false, a hop count, or addresses/CIDRs (auth-config.ts). */
  @IsString() TRUST_PROXY = 'false';
  /** Bearer token for /metrics/prometheus and /health/ready details; unset = metrics are public. */
  @IsOptional() @Secret() @IsString() METRICS_TOKEN?: string;

  /* ---- providers ---- */
  @IsOptional() @Secret() @IsString() OPENAI_API_KEY?: string;
  @IsConnectionUrl(HTTP) OPENAI_BASE_URL = 'https://api.openai.com/v1';
  @IsOptional() @Secret() @IsString() ANTHROPIC_API_KEY?: string;
  @IsConnectionUrl(HTTP) ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
  @IsString() ANTHROPIC_VERSION = '2023-06-01';
  @IsOptional() @Secret() @IsString() MISTRAL_API_KEY?: string;
  @IsConnectionUrl(HTTP) MISTRAL_BASE_URL = 'https://api.mistral.ai/v1';
  @IsOptional() @IsConnectionUrl(HTTP) LITELLM_BASE_URL?: string;
  @IsOptional() @Secret() @IsString() LITELLM_API_KEY?: string;
  @IsOptional() @IsString() LITELLM_MODELS?: string;
  @Transform(toNumber) @IsInt() @Min(0) LITELLM_DISCOVERY_INTERVAL_MS = 300_000;
  @Transform(toNumber) @IsInt() @Min(1) PROVIDER_CONNECT_TIMEOUT_MS = 5_000;
  @Transform(toNumber) @IsInt() @Min(1) PROVIDER_FIRST_BYTE_TIMEOUT_MS = 60_000;
  @Transform(toNumber) @IsInt() @Min(1) PROVIDER_TOTAL_TIMEOUT_MS = 600_000;
  @Transform(toNumber) @IsInt() @Min(0) @Max(10) PROVIDER_MAX_RETRIES = 2;
  @Transform(toNumber) @IsInt() @Min(0) PROVIDER_RETRY_BASE_MS = 250;
  @Transform(toNumber) @IsInt() @Min(0) PROVIDER_RETRY_MAX_MS = 8_000;
  @Transform(toNumber) @IsInt() @Min(1) CIRCUIT_FAILURE_THRESHOLD = 5;
  @Transform(toNumber) @IsInt() @Min(100) CIRCUIT_RESET_MS = 30_000;
  @Transform(toNumber) @IsInt() @Min(1) @Max(1024) PROVIDER_MAX_CONNECTIONS = 128;

  /* ---- intent ---- */
  @Transform(toBoolean) @IsBoolean() ROUTER_INTENT_CLASSIFIER_ENABLED = true;
  @Transform(toNumber) @IsNumber() @Min(0) @Max(1) INTENT_LOW_CONFIDENCE = 0.4;
  @Transform(toNumber) @IsNumber() @Min(0) @Max(1) INTENT_MIN_CONF_FOR_DIRECT = 0.8;
  @IsString() INTENT_LLM_FALLBACK_MODEL = 'gpt-4o-mini';
  @Transform(toNumber) @IsInt() @Min(50) @Max(1_500) INTENT_LLM_FALLBACK_TIMEOUT_MS = 1_200;
  /** Local safety probability from which an unflagged request is reviewed by the fallback model (1: never). */
  @Transform(toNumber) @IsNumber() @Min(0) @Max(1) INTENT_SAFETY_REVIEW_THRESHOLD = 0.6;

  /* ---- routing ---- */
  @IsString() MODELS_FILE = 'config/models.yaml';
  @IsString() ROUTING_FILE = 'config/routing.yaml';
  /** The platform default tenant policy (`default:`); a missing file means no restriction. */
  @IsString() POLICY_FILE = 'config/policy.yaml';
  /** Log every chat routing decision (routing_decisions; tenants may opt out in their policy). */
  @Transform(toBoolean) @IsBoolean() DECISION_LOG_ENABLED = true;
  /** Days a logged decision is kept; older rows are deleted by an hourly cleanup (0: kept forever). */
  @Transform(toNumber) @IsInt() @Min(0) @Max(3_650) DECISION_LOG_RETENTION_DAYS = 30;
  /** Most decisions held in memory while the database is unreachable (more are dropped and counted). */
  @Transform(toNumber) @IsInt() @Min(100) DECISION_LOG_BUFFER_MAX = 100_000;
  /**
   * Shadow classification and routing (docs/routing.md "Shadow classification and routing"): a
   * candidate classifier and/or routing configuration evaluated on a sample of live traffic after
   * the response, never changing it. SHADOW_ENABLED is the platform switch; SHADOW_DEFAULT_ON
   * whether tenants without a setting of their own take part (PUT /admin/routing/shadow/tenants/:id).
   */
  @Transform(toBoolean) @IsBoolean() SHADOW_ENABLED = false;
  @Transform(toBoolean) @IsBoolean() SHADOW_DEFAULT_ON = true;
  /** Share of a taking-part tenant's requests evaluated in the shadow (deterministic per request id). */
  @Transform(toNumber) @IsNumber() @Min(0) @Max(1) SHADOW_SAMPLE_RATE = 0.1;
  /** Candidate classifier: live (the live one again), heuristic (the heuristic alone) or model (the trained one, recalibrated). */
  @IsIn(['live', 'heuristic', 'model']) SHADOW_CLASSIFIER: 'live' | 'heuristic' | 'model' = 'live';
  /** Candidate softmax temperature / heuristic weight / safety threshold of the trained model (unset: the model's). */
  @IsOptional() @Transform(toNumber) @IsNumber() @Min(0.05) @Max(20) SHADOW_MODEL_TEMPERATURE?: number;
  @IsOptional() @Transform(toNumber) @IsNumber() @Min(0) @Max(10) SHADOW_MODEL_HEURISTIC_WEIGHT?: number;
  @IsOptional() @Transform(toNumber) @IsNumber() @Min(0) @Max(1) SHADOW_MODEL_SAFETY_THRESHOLD?: number;
  /** Candidate routing.yaml / models.yaml (the replay's format; unset: the live files). */
  @IsOptional() @IsString() SHADOW_ROUTING_FILE?: string;
  @IsOptional() @IsString() SHADOW_MODELS_FILE?: string;
  /** Candidate INTENT_LOW_CONFIDENCE / INTENT_MIN_CONF_FOR_DIRECT (unset: the live ones). */
  @IsOptional() @Transform(toNumber) @IsNumber() @Min(0) @Max(1) SHADOW_LOW_CONFIDENCE?: number;
  @IsOptional() @Transform(toNumber) @IsNumber() @Min(0) @Max(1) SHADOW_MIN_CONF_FOR_DIRECT?: number;
  /** Sampled requests waiting for the shadow at most (more are dropped and counted). */
  @Transform(toNumber) @IsInt() @Min(1) @Max(100_000) SHADOW_QUEUE_MAX = 1_000;
  /** CPU time the shadow may take per event-loop turn (ms) before yielding (setImmediate). */
  @Transform(toNumber) @IsNumber() @Min(0.1) @Max(50) SHADOW_TICK_BUDGET_MS = 2;
  /** Largest share of the time the shadow's queue may take when it never empties (then it waits between turns). */
  @Transform(toNumber) @IsNumber() @Min(0.01) @Max(1) SHADOW_MAX_CPU_SHARE = 0.1;
  /** Shadow requests (tenant opt-in, own budget): at most this many in flight per process. */
  @Transform(toNumber) @IsInt() @Min(1) @Max(64) SHADOW_REQUESTS_MAX_IN_FLIGHT = 2;

  /* ---- billing ---- */
  /** A global budget (USD) for basic/enhanced mode's static keys; unset means none. */
  @IsOptional() @Transform(toNumber) @IsNumber() @Min(0) BUDGET_LIMIT_USD?: number;
  @IsIn(['daily', 'weekly', 'monthly', 'total']) BUDGET_PERIOD: 'daily' | 'weekly' | 'monthly' | 'total' =
    'monthly';
  /**
   * How long a replica's budget reservations survive without it extending them (a replica that
   * dies holds budget at most this long, plus a quarter of it until another replica reclaims it).
   */
  @Transform(toNumber) @IsInt() @Min(500) @Max(3_600_000) BUDGET_HOLD_TTL_MS = 60_000;
  /**
   * A request without max_tokens reserves the observed p99 of its (tenant, model) completions,
   * at least the floor and at most the cap (docs/billing.md "Right-sized reservations").
   */
  @Transform(toNumber) @IsInt() @Min(1) @Max(1_000_000) RESERVE_OUTPUT_FLOOR_TOKENS = 256;
  @Transform(toNumber) @IsInt() @Min(1) @Max(1_000_000) RESERVE_OUTPUT_CAP_TOKENS = 4_096;
  /** Background usage writes, and the roll-up pass behind reports and the dashboard, run this often. */
  @Transform(toNumber) @IsInt() @Min(10) USAGE_FLUSH_INTERVAL_MS = 1_000;
  @Transform(toNumber) @IsInt() @Min(1) USAGE_BATCH_SIZE = 500;
  @Transform(toNumber) @IsInt() @Min(100) USAGE_BUFFER_MAX = 100_000;
  /**
   * Answer a request only once its usage row and budget settlement are written (group commit:
   * one statement for every request in flight), so a replica killed right after answering loses
   * nothing it acknowledged. false: written in the background within USAGE_FLUSH_INTERVAL_MS.
   */
  @Transform(toBoolean) @IsBoolean() USAGE_DURABLE_ACK = true;
  /** Longest a request waits for that write (a slow or failing database); it stays queued. */
  @Transform(toNumber) @IsInt() @Min(1) @Max(60_000) USAGE_ACK_TIMEOUT_MS = 1_000;
  /**
   * Days the per-request audit trail (refusals, redactions, downgrades, fallbacks) is kept; a
   * cleanup job deletes older rows in batches. 0 = kept forever. Admin changes are always kept.
   */
  @Transform(toNumber) @IsInt() @Min(0) @Max(36_500) AUDIT_RETENTION_DAYS = 90;
  /** Requests of one tenant in flight at once on a replica (streams included); 0 = unlimited. */
  @Transform(toNumber) @IsInt() @Min(0) @Max(100_000) TENANT_MAX_IN_FLIGHT = 64;
  /** Streams of one tenant open at once on a replica; 0 = unlimited. */
  @Transform(toNumber) @IsInt() @Min(0) @Max(100_000) TENANT_MAX_STREAMS = 32;
  /**
   * A stream whose client reads nothing for this long (its socket buffer stays full) is ended:
   * the upstream call is aborted and the request settled, so a stalled client cannot pin an
   * upstream connection.
   */
  @Transform(toNumber) @IsInt() @Min(100) @Max(3_600_000) STREAM_WRITE_STALL_TIMEOUT_MS = 30_000;
  /** Default requests per minute per API key (tenants can override). 0 disables. */
  @Transform(toNumber) @IsInt() @Min(0) RATE_LIMIT_RPM = 600;

  /* ---- cache ---- */
  @Transform(toNumber) @IsInt() @Min(0) CACHE_TTL_SECONDS = 3_600;
  @Transform(toNumber) @IsInt() @Min(1) CACHE_MAX_ENTRIES = 10_000;
  /** Memory the cache may hold per tenant (namespace), bytes. */
  @Transform(toNumber) @IsInt() @Min(1024) CACHE_MAX_BYTES = 268_435_456;
  /** `semantic` (exact first, then by meaning; enhanced and production) or `exact` only. Tenants can override. */
  @IsIn(['semantic', 'exact']) CACHE_MODE: 'semantic' | 'exact' = 'semantic';
  /** The semantic cache's embedder: `lexical` (offline, free) or an embedding model of config/models.yaml. */
  @IsString() CACHE_EMBEDDER = 'lexical';
  /** Minimum similarity for a semantic hit; empty = the embedder's fitted default (docs/caching.md). */
  @IsOptional() @Transform(toNumber) @IsNumber() @Min(0) @Max(1) CACHE_SEMANTIC_THRESHOLD?: number;
  /** How often each replica reads the other replicas' new cache entries, ms. */
  @Transform(toNumber) @IsInt() @Min(50) @Max(60_000) CACHE_SYNC_INTERVAL_MS = 250;

  /* ---- telemetry ---- */
  @IsString() OTEL_SERVICE_NAME = 'modelmuxer';
  @IsOptional() @IsConnectionUrl(HTTP) OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  @IsOptional() @IsConnectionUrl(HTTP) OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
  @IsOptional() @Secret() @IsString() OTEL_EXPORTER_OTLP_HEADERS?: string;
  /**
   * Which requests are traced (the standard variable). Default parentbased_traceidratio: a
   * client's sampled `traceparent` is always continued, and OTEL_TRACES_SAMPLER_ARG of the
   * traces that start here are recorded (docs/operations.md, "Sampling").
   */
  @IsIn(TRACE_SAMPLERS) OTEL_TRACES_SAMPLER: TraceSamplerName = 'parentbased_traceidratio';
  /** The ratio of the *traceidratio samplers, 0..1 (default 0.05: one trace in twenty). */
  @Transform(toNumber) @IsNumber() @Min(0) @Max(1) OTEL_TRACES_SAMPLER_ARG = 0.05;
  /**
   * The GenAI conventions' opt-in: prompt and completion content on the client spans
   * (gen_ai.input.messages / gen_ai.output.messages), PII-redacted and bounded. true, or the
   * spec's SPAN_ONLY / SPAN_AND_EVENT; false, NO_CONTENT or EVENT_ONLY keep content off spans.
   */
  @Transform(toContentCapture) @IsBoolean() OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = false;
  /** Most characters of captured content per span attribute (input, output). */
  @Transform(toNumber) @IsInt() @Min(256) @Max(1_000_000) GENAI_CONTENT_MAX_CHARS = 16_384;
  /** Distinct tenants with their own label on the per-tenant metrics (per replica); the rest are `other`. 0: none. */
  @Transform(toNumber) @IsInt() @Min(0) @Max(10_000) METRICS_TENANT_LIMIT = 100;
  /** What the `tenant` label of the per-tenant metrics holds: the tenant's id or its name. */
  @IsIn(['id', 'name']) METRICS_TENANT_LABEL: 'id' | 'name' = 'id';
}
