import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ErrorCode, GatewayError } from '../../common/errors';
import { AppConfig } from '../../config/app-config';
import { RoutingConfigError } from '../config-reader';
import { ModelCatalog } from '../model-catalog';
import type { RoutingThresholds } from '../routing-decision';
import { RoutingPolicyService } from '../routing-policy';
import { RoutingThresholdState } from '../routing-thresholds';
import { ReplayRun, type ReplayConfiguration, type ReplayRow, type ReplaySummary } from './replay';
import { ThresholdEvidence, type ReplaySuggestions } from './threshold-evidence';

/** What to replay, and under which candidate configuration. */
export interface ReplayRequest {
  from: Date;
  to: Date;
  tenantId?: string | null;
  /** Candidate routing policy (routing.yaml text); absent: the live one. */
  routingYaml?: string | null;
  /** Candidate model catalog (models.yaml text); absent: the live one. */
  modelsYaml?: string | null;
  thresholds?: Partial<RoutingThresholds>;
  /** Names of the candidate files, for the report. */
  sources?: { routing: string; models: string };
  /** The suggestions' target (largest share of requests below their floor; default 0.02); false: none. */
  suggestions?: { maxBelowFloorShare?: number } | false;
}

export interface ReplayReport extends ReplaySummary {
  object: 'routing.replay';
  from: string;
  to: string;
  tenant_id: string | null;
  candidate: { routing: string; models: string; thresholds: Partial<RoutingThresholds> | null };
  elapsed_ms: number;
  /** Threshold and quality-floor suggestions (docs/routing.md "Dynamic thresholds"). */
  suggestions?: ReplaySuggestions;
}

const FETCH_ROWS = 5_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The candidate configuration: files given as text are validated like the ones loaded at start-up. */
export function candidateConfiguration(
  request: Pick<ReplayRequest, 'routingYaml' | 'modelsYaml' | 'thresholds'>,
  live: { catalog: ModelCatalog; policies: RoutingPolicyService; routingFile: string },
): ReplayConfiguration {
  let field = 'models';
  try {
    const catalog = request.modelsYaml ? ModelCatalog.fromYaml(request.modelsYaml, 'models') : live.catalog;
    field = 'routing';
    const policies = request.routingYaml
      ? RoutingPolicyService.fromYaml(request.routingYaml, catalog, 'routing')
      : catalog === live.catalog
        ? live.policies
        : RoutingPolicyService.load(live.routingFile, catalog);
    return { catalog, policies, reference: live.catalog, thresholds: request.thresholds };
  } catch (error) {
    if (!(error instanceof RoutingConfigError)) throw error;
    throw new GatewayError(ErrorCode.ValidationFailed, `Invalid candidate ${field}: ${error.message}`, {
      param: field,
    });
  }
}

/** The rows of a window, as the cursor's query (inlined literals: validated dates and UUID only). */
export function replayQuery(from: Date, to: Date, tenantId: string | null): string {
  if (tenantId !== null && !UUID.test(tenantId)) throw new Error('tenant id is not a UUID');
  const tenant = tenantId === null ? '' : ` AND tenant_id = '${tenantId}'`;
  // The decision never reads the classifier's signals (f), and only sampled rows need the
  // per-label probabilities (s): both stay out of the JSON parsed per row (s comes as text).
  return `SELECT input_version, inputs - '{f,s}'::text[] AS inputs, (inputs -> 's')::text AS scores,
                 target_model, budget_downgraded, cost_nano, prompt_tokens, completion_tokens,
                 cached_tokens, cache_hit, served_model
            FROM routing_decisions
           WHERE created_at >= '${from.toISOString()}' AND created_at < '${to.toISOString()}'${tenant}`;
}

/**
 * POST /admin/routing/replay and `npm run replay`: streams the logged decisions of a window
 * through a server-side cursor (constant memory whatever the window) into a ReplayRun.
 */
@Injectable()
export class ReplayService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: ModelCatalog,
    private readonly policies: RoutingPolicyService,
    private readonly config: AppConfig,
    private readonly state: RoutingThresholdState,
  ) {}

  async replay(request: ReplayRequest): Promise<ReplayReport> {
    const started = Date.now();
    const configuration = candidateConfiguration(request, {
      catalog: this.catalog,
      policies: this.policies,
      routingFile: this.config.routing.routingFile,
    });
    const evidence = this.prepare(request, configuration);
    const run = new ReplayRun(configuration);
    evidence?.pricedBy(run);
    await streamDecisions(
      this.dataSource,
      replayQuery(request.from, request.to, request.tenantId ?? null),
      (rows) => {
        for (const row of rows) run.add(row);
      },
    );
    return {
      object: 'routing.replay',
      from: request.from.toISOString(),
      to: request.to.toISOString(),
      tenant_id: request.tenantId ?? null,
      candidate: {
        routing:
          request.sources?.routing ??
          (request.routingYaml ? 'request body' : this.config.routing.routingFile),
        models:
          request.sources?.models ?? (request.modelsYaml ? 'request body' : this.config.routing.modelsFile),
        thresholds:
          request.thresholds && Object.keys(request.thresholds).length > 0 ? request.thresholds : null,
      },
      ...run.summary(),
      ...(evidence
        ? {
            suggestions: evidence.suggestions(
              configuration.adjust?.(configuration.policies.policy) ?? configuration.policies.policy,
            ),
          }
        : {}),
      elapsed_ms: Date.now() - started,
    };
  }

  /**
   * The live policy carries the floors an admin applied (a candidate routing.yaml is taken as it
   * is); the suggestions' evidence watches the run unless the request asks for none.
   */
  private prepare(request: ReplayRequest, configuration: ReplayConfiguration): ThresholdEvidence | null {
    const state = this.state;
    if (configuration.policies === this.policies) configuration.adjust = (policy) => state.effective(policy);
    if (request.suggestions === false) return null;
    const evidence = new ThresholdEvidence({
      catalog: configuration.catalog,
      current: {
        lowConfidence: state?.thresholds.lowConfidence ?? this.config.intent.lowConfidence,
        minConfForDirect: state?.thresholds.minConfForDirect ?? this.config.intent.minConfForDirect,
        ...request.thresholds,
      },
      target:
        request.suggestions?.maxBelowFloorShare === undefined
          ? undefined
          : { maxBelowFloorShare: request.suggestions.maxBelowFloorShare },
    });
    configuration.observer = evidence;
    return evidence;
  }
}

/** Runs `query` through a cursor in a read-only transaction, handing over FETCH_ROWS rows at a time. */
export async function streamDecisions(
  dataSource: DataSource,
  query: string,
  onRows: (rows: ReplayRow[]) => void,
  fetchRows = FETCH_ROWS,
): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
    await runner.query(`DECLARE replay_decisions NO SCROLL CURSOR FOR ${query}`);
    const fetch = (): Promise<ReplayRow[]> => runner.query(`FETCH ${fetchRows} FROM replay_decisions`);
    // The next batch is read while this one is replayed.
    for (let next = fetch(); ;) {
      const rows = await next;
      if (rows.length === 0) break;
      next = fetch();
      next.catch(() => undefined);
      onRows(rows);
    }
    await runner.query('CLOSE replay_decisions');
    await runner.commitTransaction();
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
  }
}
