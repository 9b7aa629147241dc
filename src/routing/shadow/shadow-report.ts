import { usd } from '../lab/decision-record';

/** One (live label, shadow label, live model, shadow model) group of routing_shadow_results. */
export interface ShadowGroupRow {
  live_label: string | null;
  shadow_label: string | null;
  live_model: string | null;
  shadow_model: string | null;
  n: number | string;
  live_cost: number | string;
  shadow_cost: number | string;
}

export interface ShadowLabelReport {
  requests: number;
  /** Requests the candidate classifier gave the same label. */
  label_agreed: number;
  label_agreement_rate: number;
  /** Requests the candidate sent to the same model. */
  route_agreed: number;
  route_agreement_rate: number;
  /** The candidate's labels for these requests (confusion row). */
  shadow_labels: Record<string, number>;
  live_estimated_cost_usd: number;
  shadow_estimated_cost_usd: number;
  cost_delta_usd: number;
}

export interface ShadowSummary {
  requests: number;
  label_agreement_rate: number | null;
  route_agreement_rate: number | null;
  live_estimated_cost_usd: number;
  shadow_estimated_cost_usd: number;
  cost_delta_usd: number;
  cost_delta_share: number | null;
  by_live_label: Record<string, ShadowLabelReport>;
  /** Label disagreements (live → shadow), most frequent first. */
  confusion: Array<{ live: string; shadow: string; requests: number }>;
  /** Route disagreements (live model → shadow model), most frequent first (top 10). */
  moves: Array<{ from: string; to: string; requests: number }>;
}

function rate(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000;
}

function byCount<T extends { requests: number }>(key: (item: T) => string) {
  return (a: T, b: T) => b.requests - a.requests || (key(a) < key(b) ? -1 : 1);
}

interface LabelAcc {
  requests: number;
  labelAgreed: number;
  routeAgreed: number;
  shadow: Map<string, number>;
  live: number;
  candidate: number;
}

function newAcc(): LabelAcc {
  return { requests: 0, labelAgreed: 0, routeAgreed: 0, shadow: new Map(), live: 0, candidate: 0 };
}

function labelReport(acc: LabelAcc): ShadowLabelReport {
  return {
    requests: acc.requests,
    label_agreed: acc.labelAgreed,
    label_agreement_rate: rate(acc.labelAgreed, acc.requests),
    route_agreed: acc.routeAgreed,
    route_agreement_rate: rate(acc.routeAgreed, acc.requests),
    shadow_labels: Object.fromEntries(
      [...acc.shadow.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)),
    ),
    live_estimated_cost_usd: usd(acc.live),
    shadow_estimated_cost_usd: usd(acc.candidate),
    cost_delta_usd: usd(acc.candidate - acc.live),
  };
}

function bump(map: Map<string, number>, key: string, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

/** Pairs "a\u0000b" → count, most frequent first. */
function ranked(map: Map<string, number>): Array<{ a: string; b: string; requests: number }> {
  return [...map.entries()]
    .map(([key, requests]) => {
      const [a, b] = key.split('\u0000');
      return { a, b, requests };
    })
    .sort(byCount((p) => `${p.a}/${p.b}`));
}

/** The report of grouped rows (pure: the SQL groups, this sums). */
export function shadowSummary(rows: readonly ShadowGroupRow[]): ShadowSummary {
  const labels = new Map<string, LabelAcc>();
  const confusion = new Map<string, number>();
  const moves = new Map<string, number>();
  const total = newAcc();
  for (const row of rows) {
    const n = Number(row.n);
    const live = row.live_label ?? 'none';
    const shadow = row.shadow_label ?? 'none';
    let acc = labels.get(live);
    if (!acc) labels.set(live, (acc = newAcc()));
    const sameLabel = live === shadow;
    const sameRoute = row.live_model === row.shadow_model;
    for (const sum of [acc, total]) {
      sum.requests += n;
      if (sameLabel) sum.labelAgreed += n;
      if (sameRoute) sum.routeAgreed += n;
      sum.live += Number(row.live_cost);
      sum.candidate += Number(row.shadow_cost);
    }
    bump(acc.shadow, shadow, n);
    if (!sameLabel) bump(confusion, `${live}\u0000${shadow}`, n);
    if (!sameRoute) bump(moves, `${row.live_model ?? 'none'}\u0000${row.shadow_model ?? 'none'}`, n);
  }
  const byLiveLabel: Record<string, ShadowLabelReport> = {};
  for (const key of [...labels.keys()].sort()) byLiveLabel[key] = labelReport(labels.get(key)!);
  return {
    requests: total.requests,
    label_agreement_rate: total.requests === 0 ? null : rate(total.labelAgreed, total.requests),
    route_agreement_rate: total.requests === 0 ? null : rate(total.routeAgreed, total.requests),
    live_estimated_cost_usd: usd(total.live),
    shadow_estimated_cost_usd: usd(total.candidate),
    cost_delta_usd: usd(total.candidate - total.live),
    cost_delta_share: total.live === 0 ? null : rate(total.candidate - total.live, total.live),
    by_live_label: byLiveLabel,
    confusion: ranked(confusion).map(({ a, b, requests }) => ({ live: a, shadow: b, requests })),
    moves: ranked(moves)
      .slice(0, 10)
      .map(({ a, b, requests }) => ({ from: a, to: b, requests })),
  };
}

/** Aggregates of the paired shadow requests. */
export interface ShadowRequestsRow {
  pairs: number | string;
  errors: number | string;
  live_latency_ms: number | string | null;
  shadow_latency_ms: number | string | null;
  live_completion_tokens: number | string | null;
  shadow_completion_tokens: number | string | null;
  live_chars: number | string | null;
  shadow_chars: number | string | null;
  live_cost: number | string | null;
  shadow_cost: number | string | null;
}

export interface ShadowRequestsSummary {
  pairs: number;
  errors: number;
  /** Means over the pairs (null: no pair). */
  live: {
    latency_ms: number | null;
    completion_tokens: number | null;
    chars: number | null;
    cost_usd: number;
  };
  shadow: {
    latency_ms: number | null;
    completion_tokens: number | null;
    chars: number | null;
    cost_usd: number;
  };
}

function mean(value: number | string | null): number | null {
  return value === null ? null : Math.round(Number(value) * 10) / 10;
}

export function shadowRequestsSummary(row: ShadowRequestsRow | undefined): ShadowRequestsSummary {
  return {
    pairs: Number(row?.pairs ?? 0),
    errors: Number(row?.errors ?? 0),
    live: {
      latency_ms: mean(row?.live_latency_ms ?? null),
      completion_tokens: mean(row?.live_completion_tokens ?? null),
      chars: mean(row?.live_chars ?? null),
      cost_usd: usd(Number(row?.live_cost ?? 0)),
    },
    shadow: {
      latency_ms: mean(row?.shadow_latency_ms ?? null),
      completion_tokens: mean(row?.shadow_completion_tokens ?? null),
      chars: mean(row?.shadow_chars ?? null),
      cost_usd: usd(Number(row?.shadow_cost ?? 0)),
    },
  };
}

/** The grouped rows of a window (parameters: from, to, tenant id or null). */
export const SHADOW_GROUPS_SQL = `
SELECT live_label, shadow_label, live_model, shadow_model, count(*) AS n,
       sum(live_cost_nano) AS live_cost, sum(shadow_cost_nano) AS shadow_cost
  FROM routing_shadow_results
 WHERE created_at >= $1 AND created_at < $2 AND ($3::uuid IS NULL OR tenant_id = $3::uuid)
 GROUP BY live_label, shadow_label, live_model, shadow_model`;

/** The paired shadow requests of a window (pairs whose live answer was known; means over the successful ones). */
export const SHADOW_REQUESTS_SQL = `
SELECT count(*) AS pairs,
       sum(CASE WHEN (shadow_request->>'status')::int >= 400 THEN 1 ELSE 0 END) AS errors,
       avg((shadow_request->'live'->>'latency_ms')::float8) FILTER (WHERE ok) AS live_latency_ms,
       avg((shadow_request->>'latency_ms')::float8) FILTER (WHERE ok) AS shadow_latency_ms,
       avg((shadow_request->'live'->>'completion_tokens')::float8) FILTER (WHERE ok) AS live_completion_tokens,
       avg((shadow_request->>'completion_tokens')::float8) FILTER (WHERE ok) AS shadow_completion_tokens,
       avg((shadow_request->'live'->>'chars')::float8) FILTER (WHERE ok) AS live_chars,
       avg((shadow_request->>'chars')::float8) FILTER (WHERE ok) AS shadow_chars,
       sum((shadow_request->'live'->>'cost_nano')::int8) AS live_cost,
       sum((shadow_request->>'cost_nano')::int8) AS shadow_cost
  FROM (SELECT shadow_request, (shadow_request->>'status')::int < 400 AS ok
          FROM routing_shadow_results
         WHERE shadow_request IS NOT NULL AND jsonb_typeof(shadow_request->'live') = 'object'
           AND created_at >= $1 AND created_at < $2 AND ($3::uuid IS NULL OR tenant_id = $3::uuid)) AS p`;
