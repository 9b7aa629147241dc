import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { PROVIDER_REGISTRY, type ProviderRegistry } from '../../providers/provider.types';
import { ModelCatalog } from '../model-catalog';
import { RoutingPolicyService } from '../routing-policy';
import { RoutingService } from '../routing.service';
import { inSample, SAMPLE_SALT } from './sampling';
import { loadShadowCandidate } from './shadow-candidate';
import { ShadowEvaluator, type ShadowCandidate } from './shadow-evaluation';
import { sendShadowRequest } from './shadow-requests';
import { ShadowResultsLog } from './shadow-results-log.service';
import { ShadowSettingsService } from './shadow-settings.service';
import { SHADOW_CLASSIFIER, type LiveCall, type ShadowClassifier, type ShadowJob } from './shadow.types';
import { BoundedWorkQueue } from './work-queue';

/** A sampled request: in the shadow sample, and whether a shadow request goes too. */
export interface ShadowDraw {
  evaluate: boolean;
  sendRequest: boolean;
}

/**
 * Shadow classification and routing (docs/routing.md "Shadow classification and routing"). The
 * chat pipeline's shadow step asks draw() (a map lookup and a hash) and offers a sampled call as a
 * job holding a thunk; nothing else runs on the request path. The jobs run later, in a bounded
 * queue (SHADOW_QUEUE_MAX, drops counted; SHADOW_TICK_BUDGET_MS per event-loop turn, at most
 * SHADOW_MAX_CPU_SHARE of the time): the candidate classifier and the pure routing decision under
 * the candidate configuration, written to routing_shadow_results (buffered). A job drawn for a
 * shadow request also sends one (at most SHADOW_REQUESTS_MAX_IN_FLIGHT at once, more dropped).
 */
@Injectable()
export class ShadowRunner implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shadow');
  private readonly queue: BoundedWorkQueue<ShadowJob>;
  private readonly evaluator: ShadowEvaluator | null;
  private readonly candidate: ShadowCandidate | null;
  private inFlight = new Set<Promise<void>>();
  private readonly requests = { sent: 0, failed: 0, over_budget: 0, dropped: 0 };

  constructor(
    private readonly config: AppConfig,
    private readonly settings: ShadowSettingsService,
    private readonly results: ShadowResultsLog,
    catalog: ModelCatalog,
    policies: RoutingPolicyService,
    routing: RoutingService,
    @Inject(PROVIDER_REGISTRY) private readonly registry: ProviderRegistry,
    @Inject(SHADOW_CLASSIFIER) classifier: ShadowClassifier | null,
  ) {
    const shadow = config.shadow;
    this.candidate = shadow.enabled
      ? loadShadowCandidate(
          shadow,
          { catalog, policies, routingFile: config.routing.routingFile },
          classifier ?? null,
        )
      : null;
    this.evaluator = this.candidate ? new ShadowEvaluator(this.candidate, routing.thresholds) : null;
    this.queue = new BoundedWorkQueue<ShadowJob>({
      max: shadow.queueMax,
      budgetMs: shadow.tickBudgetMs,
      maxShare: shadow.maxCpuShare,
      run: (job) => this.run(job),
      onError: (error) => this.logger.warn(`shadow evaluation failed: ${(error as Error).message}`),
    });
    results.reportFrom(() => ({
      queue: this.queue.stats(),
      skipped: this.evaluator?.skipped ?? 0,
      shadow_requests: { ...this.requests },
    }));
  }

  get enabled(): boolean {
    return this.evaluator !== null;
  }

  /** The request path: whether this request is in the tenant's samples (no allocation when not). */
  draw(tenantId: string, requestId: string): ShadowDraw | null {
    if (!this.evaluator) return null;
    const taking = this.settings.participation(tenantId);
    if (!taking) return null;
    const evaluate = inSample(requestId, taking.rate, SAMPLE_SALT.evaluation);
    const sendRequest =
      taking.requestRate > 0 && inSample(requestId, taking.requestRate, SAMPLE_SALT.request);
    return evaluate || sendRequest ? { evaluate: evaluate || sendRequest, sendRequest } : null;
  }

  /** The request path: queues the job (false: dropped, the queue is full). */
  offer(job: ShadowJob): boolean {
    return this.queue.push(job);
  }

  /** Runs what is queued and waits for the shadow requests in flight (tests, shutdown). */
  async settle(): Promise<void> {
    this.queue.drain();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.settle();
  }

  private run(job: ShadowJob): void {
    const call = job.live();
    const evaluated = this.evaluator!.evaluate(job, call);
    if (!evaluated) return;
    const target = evaluated.outcome.decision.target;
    const planned = target ? this.candidate!.catalog.planned(target) : undefined;
    if (!job.sendRequest || !planned) {
      this.results.record(evaluated.result);
      return;
    }
    if (this.inFlight.size >= this.config.shadow.requestsMaxInFlight) {
      this.requests.dropped++;
      this.results.record(evaluated.result);
      return;
    }
    this.send(job, call, planned, evaluated.result);
  }

  private send(
    job: ShadowJob,
    call: LiveCall,
    target: NonNullable<ReturnType<ModelCatalog['planned']>>,
    result: Parameters<ShadowResultsLog['record']>[0],
  ): void {
    const deps = {
      registry: this.registry,
      budget: this.settings,
      timeoutMs: this.config.providers.timeouts.totalMs,
    };
    const pending = sendShadowRequest(deps, job, call, target)
      .then((comparison) => {
        if (comparison === null) this.requests.over_budget++;
        else if (comparison.status >= 400) this.requests.failed++;
        else this.requests.sent++;
        this.results.record({ ...result, shadowRequest: comparison });
      })
      .catch((error: unknown) => {
        this.requests.failed++;
        this.results.record(result);
        this.logger.warn(`shadow request not sent: ${(error as Error).message}`);
      })
      .finally(() => this.inFlight.delete(pending));
    this.inFlight.add(pending);
  }
}
