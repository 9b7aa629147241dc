import type { DataSource } from 'typeorm';
import { usd } from '../lab/decision-record';
import {
  meanInterval,
  quantileRanks,
  rankFraction,
  wilsonInterval,
  Z95,
  type Interval,
  type QuantileRanks,
} from './confidence';
import type { ExperimentRow } from './experiment-store';

/** Per-arm aggregates of the decision log (one query for all arms). */
export interface ArmAggregates {
  arm: string;
  n: number;
  cost_sum: string | number;
  cost_mean: number | null;
  cost_sd: number | null;
  latency_mean: number | null;
  errors: number;
  rejected: number;
  fallbacks: number;
  cache_hits: number;
}

export interface RateReport {
  count: number;
  rate: number | null;
  ci95: Interval | null;
}

export interface QuantileReport {
  value: number | null;
  ci95: Interval | null;
}

export interface ArmReport {
  arm: string;
  status: 'running' | 'stopped';
  weight: number;
  requests: number;
  cost: { total_usd: number; per_request_usd: number | null; per_request_ci95_usd: Interval | null };
  latency_ms: { mean: number | null; p50: QuantileReport; p95: QuantileReport };
  /** Answered with status ≥ 500 (the gateway or every upstream failed). */
  errors: RateReport;
  /** More than one target tried (the routed target failed or its circuit was open). */
  fallbacks: RateReport;
  /** Refused or unroutable (4xx other than a client's cancel, 499). */
  rejected: number;
  cache_hits: number;
}

export interface ExperimentReport {
  object: 'routing.experiment.report';
  experiment_id: string;
  tenant_id: string;
  name: string;
  status: 'running' | 'stopped';
  sticky: string;
  confidence: number;
  requests: number;
  arms: ArmReport[];
  notes: string[];
}

/**
 * The error, rejection and fallback definitions (status as the decision log keeps it: 499 is a
 * client that went away, not an error of the arm).
 */
const AGGREGATES_SQL = `
SELECT experiment_arm AS arm, count(*)::int AS n, sum(cost_nano)::text AS cost_sum,
       avg(cost_nano)::float8 AS cost_mean, stddev_samp(cost_nano)::float8 AS cost_sd,
       avg(latency_ms)::float8 AS latency_mean,
       (count(*) FILTER (WHERE status >= 500))::int AS errors,
       (count(*) FILTER (WHERE status >= 400 AND status < 500 AND status <> 499))::int AS rejected,
       (count(*) FILTER (WHERE attempts > 1))::int AS fallbacks,
       (count(*) FILTER (WHERE cache_hit))::int AS cache_hits
  FROM routing_decisions
 WHERE experiment_id = $1
 GROUP BY experiment_arm`;

const QUANTILES_SQL = `
SELECT percentile_disc($3::float8[]) WITHIN GROUP (ORDER BY latency_ms) AS q
  FROM routing_decisions
 WHERE experiment_id = $1 AND experiment_arm = $2`;

export function rateReport(count: number, n: number): RateReport {
  return { count, rate: n > 0 ? count / n : null, ci95: wilsonInterval(count, n) };
}

function quantile(values: number[], offset: number, ranks: QuantileRanks | null): QuantileReport {
  if (!ranks) return { value: null, ci95: null };
  return { value: values[offset], ci95: { low: values[offset + 1], high: values[offset + 2] } };
}

/** One arm's report from its aggregates and its latency order statistics (p50 then p95: rank, low, high). */
export function armReport(
  arm: ExperimentRow['arms'][number],
  aggregates: ArmAggregates | undefined,
  latencies: number[],
): ArmReport {
  const n = aggregates?.n ?? 0;
  const meanCost = aggregates?.cost_mean ?? null;
  const costCi = meanCost === null ? null : meanInterval(meanCost, aggregates?.cost_sd ?? NaN, n);
  return {
    arm: arm.name,
    status: arm.stopped_at === null ? 'running' : 'stopped',
    weight: arm.weight,
    requests: n,
    cost: {
      total_usd: usd(Number(aggregates?.cost_sum ?? 0)),
      per_request_usd: meanCost === null ? null : meanCost / 1e9,
      per_request_ci95_usd: costCi && { low: Math.max(0, costCi.low) / 1e9, high: costCi.high / 1e9 },
    },
    latency_ms: {
      mean: aggregates?.latency_mean ?? null,
      p50: quantile(latencies, 0, quantileRanks(n, 0.5)),
      p95: quantile(latencies, 3, quantileRanks(n, 0.95)),
    },
    errors: rateReport(aggregates?.errors ?? 0, n),
    fallbacks: rateReport(aggregates?.fallbacks ?? 0, n),
    rejected: aggregates?.rejected ?? 0,
    cache_hits: aggregates?.cache_hits ?? 0,
  };
}

/** The percentile_disc fractions for an arm of n rows: p50 (rank, low, high), p95 (rank, low, high). */
export function latencyFractions(n: number): number[] | null {
  const ranks = [quantileRanks(n, 0.5), quantileRanks(n, 0.95)];
  if (!ranks[0] || !ranks[1]) return null;
  return ranks.flatMap((r) => [r!.rank, r!.low, r!.high].map((rank) => rankFraction(rank, n)));
}

/** The per-arm report of an experiment, read from the decision log. */
export async function experimentReport(
  dataSource: DataSource,
  row: ExperimentRow,
): Promise<ExperimentReport> {
  const aggregates: ArmAggregates[] = await dataSource.query(AGGREGATES_SQL, [row.id]);
  const byArm = new Map(aggregates.map((a) => [a.arm, a]));
  const arms: ArmReport[] = [];
  for (const arm of row.arms) {
    const found = byArm.get(arm.name);
    const fractions = found ? latencyFractions(found.n) : null;
    let latencies: number[] = [];
    if (fractions) {
      const [result]: Array<{ q: number[] }> = await dataSource.query(QUANTILES_SQL, [
        row.id,
        arm.name,
        fractions,
      ]);
      latencies = result.q.map(Number);
    }
    arms.push(armReport(arm, found, latencies));
  }
  return {
    object: 'routing.experiment.report',
    experiment_id: row.id,
    tenant_id: row.tenant_id,
    name: row.name,
    status: row.status,
    sticky: row.sticky,
    confidence: 0.95,
    requests: arms.reduce((sum, arm) => sum + arm.requests, 0),
    arms,
    notes: [
      `intervals: Wilson for rates, normal (z = ${Z95.toFixed(2)}) for the mean cost, order statistics for latency percentiles`,
      'read from the routing decision log: requests of tenants whose decision log is off are not counted, and the last few seconds may still be buffered',
    ],
  };
}
