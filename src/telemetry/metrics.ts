import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';

/**
 * Every ModelMuxer metric, declared in one place. Inject with
 * `@InjectMetric(METRIC.xxx) private readonly counter: Counter<string>` in any module
 * (import TelemetryModule, which provides and exports them all).
 */
export const METRIC = {
  httpRequests: 'modelmuxer_http_requests_total',
  httpDuration: 'modelmuxer_http_request_duration_seconds',
  intentClassifications: 'modelmuxer_intent_classifications_total',
  intentDuration: 'modelmuxer_intent_classification_duration_seconds',
  routingDecisions: 'modelmuxer_routing_decisions_total',
  experimentRequests: 'modelmuxer_experiment_requests_total',
  providerRequests: 'modelmuxer_provider_requests_total',
  providerDuration: 'modelmuxer_provider_request_duration_seconds',
  providerRetries: 'modelmuxer_provider_retries_total',
  providerFallbacks: 'modelmuxer_provider_fallbacks_total',
  circuitOpen: 'modelmuxer_circuit_open',
  tokens: 'modelmuxer_tokens_total',
  costUsd: 'modelmuxer_cost_usd_total',
  cacheLookups: 'modelmuxer_cache_lookups_total',
  budgetRejections: 'modelmuxer_budget_rejections_total',
  rateLimited: 'modelmuxer_rate_limited_total',
  authFailures: 'modelmuxer_auth_failures_total',
  usageBuffered: 'modelmuxer_usage_records_buffered',
  usageFlushed: 'modelmuxer_usage_records_flushed_total',
  usageFlushErrors: 'modelmuxer_usage_flush_errors_total',
  usageDropped: 'modelmuxer_usage_records_dropped_total',
  tenantCostUsd: 'modelmuxer_tenant_cost_usd_total',
  tenantTokens: 'modelmuxer_tenant_tokens_total',
  cacheSavedUsd: 'modelmuxer_cache_saved_usd_total',
  /** Collected gauges (computed at scrape time by the service that owns the state). */
  budgetRemaining: 'modelmuxer_budget_remaining_ratio',
  dependencyUp: 'modelmuxer_dependency_up',
  draining: 'modelmuxer_draining',
} as const;

const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];
const MICRO_BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.005, 0.05, 0.5, 1.5];

export const METRIC_PROVIDERS = [
  makeCounterProvider({
    name: METRIC.httpRequests,
    help: 'HTTP responses (every one: refusals, body errors, 404s, probes), by route template, method, status, status class and OpenAI error code',
    labelNames: ['route', 'method', 'status', 'status_class', 'error_code'],
  }),
  makeHistogramProvider({
    name: METRIC.httpDuration,
    help: 'HTTP request duration in seconds (for streams: until the last byte), by route template, method and status class',
    labelNames: ['route', 'method', 'status_class'],
    buckets: LATENCY_BUCKETS,
  }),
  makeCounterProvider({
    name: METRIC.intentClassifications,
    help: 'Intent classifications, by label and method (heuristic, model, llm, disabled)',
    labelNames: ['label', 'method'],
  }),
  makeHistogramProvider({
    name: METRIC.intentDuration,
    help: 'Time spent classifying intent, in seconds',
    labelNames: ['method'],
    buckets: MICRO_BUCKETS,
  }),
  makeCounterProvider({
    name: METRIC.routingDecisions,
    help: 'Routing decisions, by intent, selected provider/model and reason kind',
    labelNames: ['intent', 'provider', 'model', 'reason'],
  }),
  makeCounterProvider({
    name: METRIC.experimentRequests,
    help: 'Requests routed under an A/B routing experiment, by experiment id and arm (both set by admins, bounded: at most 8 arms)',
    labelNames: ['experiment', 'arm'],
  }),
  makeCounterProvider({
    name: METRIC.providerRequests,
    help: 'Upstream provider calls, by provider, model and outcome (ok or an error code)',
    labelNames: ['provider', 'model', 'outcome'],
  }),
  makeHistogramProvider({
    name: METRIC.providerDuration,
    help: 'Upstream provider call duration in seconds (to the last byte)',
    labelNames: ['provider', 'model'],
    buckets: LATENCY_BUCKETS,
  }),
  makeCounterProvider({
    name: METRIC.providerRetries,
    help: 'Retries of upstream calls, by provider, model and reason',
    labelNames: ['provider', 'model', 'reason'],
  }),
  makeCounterProvider({
    name: METRIC.providerFallbacks,
    help: 'Fallbacks from one target to the next, by the failed provider/model',
    labelNames: ['provider', 'model'],
  }),
  makeGaugeProvider({
    name: METRIC.circuitOpen,
    help: '1 while the circuit breaker of a provider/model is open',
    labelNames: ['provider', 'model'],
  }),
  makeCounterProvider({
    name: METRIC.tokens,
    help: 'Tokens processed, by provider, model and kind (prompt, completion, cached)',
    labelNames: ['provider', 'model', 'kind'],
  }),
  makeCounterProvider({
    name: METRIC.costUsd,
    help: 'Cost in USD, by provider and model',
    labelNames: ['provider', 'model'],
  }),
  makeCounterProvider({
    name: METRIC.cacheLookups,
    help: 'Response cache lookups, by result (hit, miss, skip)',
    labelNames: ['result'],
  }),
  makeCounterProvider({
    name: METRIC.budgetRejections,
    help: 'Requests refused because a budget was exhausted, by scope',
    labelNames: ['scope'],
  }),
  makeCounterProvider({
    name: METRIC.rateLimited,
    help: 'Requests refused by the rate limiter',
    labelNames: [],
  }),
  makeCounterProvider({
    name: METRIC.authFailures,
    help: 'Failed authentications: refused (a wrong key, counted per address) or throttled (429)',
    labelNames: ['outcome'],
  }),
  makeGaugeProvider({
    name: METRIC.usageBuffered,
    help: 'Usage records waiting to be written to the database',
    labelNames: [],
  }),
  makeCounterProvider({
    name: METRIC.usageFlushed,
    help: 'Usage records written to the database',
    labelNames: [],
  }),
  makeCounterProvider({
    name: METRIC.usageDropped,
    help: 'Usage records dropped (buffer full during a long database outage, or invalid)',
    labelNames: [],
  }),
  makeCounterProvider({
    name: METRIC.tenantCostUsd,
    help: 'Cost in USD by tenant and model (tenant: the first METRICS_TENANT_LIMIT tenants of this replica, then "other")',
    labelNames: ['tenant', 'model'],
  }),
  makeCounterProvider({
    name: METRIC.tenantTokens,
    help: 'Tokens by tenant, model and kind (prompt, completion, cached); tenant bounded like modelmuxer_tenant_cost_usd_total',
    labelNames: ['tenant', 'model', 'kind'],
  }),
  makeCounterProvider({
    name: METRIC.cacheSavedUsd,
    help: 'What response-cache hits saved: the cost of the original answer, in USD, by result (hit, semantic_hit)',
    labelNames: ['result'],
  }),
  makeCounterProvider({
    name: METRIC.usageFlushErrors,
    help: 'Failed usage flushes (records are kept and retried)',
    labelNames: [],
  }),
];
