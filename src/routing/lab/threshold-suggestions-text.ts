import type { ReplaySuggestions } from './threshold-evidence';
import type { FloorSetting, ThresholdSetting } from './threshold-suggestions';

function pct(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

function thresholds(s: ThresholdSetting): string {
  return `low ${s.low_confidence.toFixed(2)}, direct ${s.min_conf_for_direct.toFixed(2)}: $${s.expected_cost_usd.toFixed(6)}, ${pct(s.below_floor_share)} below floor`;
}

function floor(s: FloorSetting): string {
  return `${s.min_quality.toFixed(3)}: $${s.expected_cost_usd.toFixed(6)}, ${pct(s.below_floor_share)} below floor`;
}

/** The replay report's `suggestions` section as text lines (npm run replay). */
export function suggestionsText(suggestions: ReplaySuggestions): string[] {
  const t = suggestions.thresholds;
  const e = t.evidence;
  const out = [
    `suggestions (target: at most ${pct(suggestions.target.max_below_floor_share)} of requests below their floor)`,
    `  thresholds [${t.status}] ${t.note}`,
    `    evidence: ${e.requests} requests (${e.sampled} sampled; default ${e.by_route.default}, cautious ${e.by_route.cautious}, direct ${e.by_route.direct}; ${e.fallback_served} served by a fallback)`,
    `    current   ${thresholds(t.current)}`,
  ];
  if (t.suggested) out.push(`    suggested ${thresholds(t.suggested)}`);
  for (const [label, f] of Object.entries(suggestions.quality_floors)) {
    out.push(
      `  ${label} floor [${f.status}] ${f.evidence.requests} requests (${f.evidence.sampled} sampled): current ${floor(f.current)}`,
    );
    if (f.suggested) out.push(`    suggested ${floor(f.suggested)}`);
    else if (f.status === 'insufficient_data') out.push(`    ${f.note}`);
  }
  for (const note of suggestions.notes) out.push(`  ${note}`);
  return out;
}
