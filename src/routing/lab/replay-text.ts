import type { ReplayGroupReport } from './replay';
import type { ReplayReport } from './replay.service';
import { suggestionsText } from './threshold-suggestions-text';

function pct(share: number | null): string {
  return share === null ? '–' : `${(share * 100).toFixed(1)}%`;
}

function money(usd: number): string {
  return `$${usd.toFixed(6)}`;
}

function line(name: string, g: ReplayGroupReport): string {
  return [
    name.padEnd(13),
    String(g.requests).padStart(9),
    `${String(g.moved).padStart(8)} ${pct(g.moved_share).padStart(6)}`,
    money(g.actual_cost_usd).padStart(14),
    money(g.estimated_cost_usd).padStart(14),
    `${g.cost_delta_usd >= 0 ? '+' : ''}${pct(g.cost_delta_share)}`.padStart(8),
    `${g.below_quality_floor.actual} → ${g.below_quality_floor.candidate}`.padStart(13),
    `${g.budget_downgrades.actual} → ${g.budget_downgrades.candidate}`.padStart(11),
  ].join(' ');
}

/** A replay report as text (npm run replay without --json). */
export function replayReportText(report: ReplayReport): string {
  const out = [
    `replay ${report.from} → ${report.to}${report.tenant_id ? ` tenant ${report.tenant_id}` : ''}`,
    `candidate: routing ${report.candidate.routing}, models ${report.candidate.models}` +
      (report.candidate.thresholds ? `, thresholds ${JSON.stringify(report.candidate.thresholds)}` : ''),
    `${report.rows} decisions read, ${report.replayed} replayed (skipped: ${report.skipped.version} other input version, ` +
      `${report.skipped.tenant_policy} tenant override rejected by the candidate) in ${report.elapsed_ms} ms`,
    '',
    'intent         requests    moved (share)   actual cost  estimated cost    delta  below floor  downgrades',
    line('overall', report.overall),
    ...Object.entries(report.by_intent).map(([intent, group]) => line(intent, group)),
  ];
  if (report.overall.moves.length > 0) {
    out.push('', 'where moved requests go (overall):');
    for (const move of report.overall.moves)
      out.push(`  ${move.from} → ${move.to}: ${move.requests} (${pct(move.share)})`);
  }
  if (report.overall.unroutable > 0)
    out.push('', `${report.overall.unroutable} requests the candidate would not route (refused or no model)`);
  if (report.suggestions) out.push('', ...suggestionsText(report.suggestions));
  return out.join('\n');
}
