import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { AppConfig } from '../../config/app-config';
import { METRIC } from '../../telemetry/metrics';
import type { ProviderTarget } from '../provider.types';
import { CircuitBreaker, CircuitPermit, CircuitTransition } from './circuit-breaker';

/**
 * The circuit breakers of every provider+model (created on first use; bounded by the
 * catalog), with METRIC.circuitOpen kept at 1 while a circuit is open or half-open.
 */
@Injectable()
export class CircuitBreakers {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(
    private readonly config: AppConfig,
    @InjectMetric(METRIC.circuitOpen) private readonly gauge: Gauge<string>,
  ) {}

  private breaker(target: ProviderTarget): CircuitBreaker {
    const key = breakerKey(target);
    let breaker = this.breakers.get(key);
    if (!breaker) {
      const { failureThreshold, resetMs } = this.config.providers.circuit;
      breaker = new CircuitBreaker(failureThreshold, resetMs);
      this.breakers.set(key, breaker);
      // The series exists from the first call on (0: closed), so alerts and dashboards see it.
      this.gauge.set(gaugeLabels(target), 0);
    }
    return breaker;
  }

  isOpen(target: ProviderTarget): boolean {
    const breaker = this.breakers.get(breakerKey(target));
    return breaker !== undefined && breaker.isOpen(Date.now());
  }

  acquire(target: ProviderTarget): CircuitPermit | null {
    return this.breaker(target).acquire(Date.now());
  }

  success(target: ProviderTarget, permit: CircuitPermit): void {
    this.report(target, this.breaker(target).recordSuccess(permit));
  }

  failure(target: ProviderTarget, permit: CircuitPermit): void {
    this.report(target, this.breaker(target).recordFailure(permit, Date.now()));
  }

  release(target: ProviderTarget, permit: CircuitPermit): void {
    this.breaker(target).release(permit);
  }

  state(target: ProviderTarget): string {
    return this.breakers.get(breakerKey(target))?.current ?? 'closed';
  }

  private report(target: ProviderTarget, transition: CircuitTransition): void {
    if (transition === null) return;
    this.gauge.set(gaugeLabels(target), transition === 'opened' ? 1 : 0);
  }
}

/** One breaker per provider and metric model (pass-through names share one per provider). */
function breakerKey(target: ProviderTarget): string {
  return `${target.provider}/${target.metricModel ?? target.model}`;
}

function gaugeLabels(target: ProviderTarget): { provider: string; model: string } {
  return { provider: target.provider, model: target.metricModel ?? target.model };
}
