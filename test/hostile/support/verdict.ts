import type { ErrorLog } from './gateway-process';
import { contractProblem, countByStatus, HostileResult } from './runner';

/** What a hostile run must show: enough cases sent, no contract violation. */
export interface HostileVerdict {
  sent: number;
  byStatus: Record<string, number>;
  violations: string[];
}

export function verdictOf(results: readonly HostileResult[]): HostileVerdict {
  const sent = results.filter((result) => result.status !== -1);
  const violations = sent
    .map((result) => {
      const problem = contractProblem(result);
      return problem ? `${result.case.name.slice(0, 120)}: ${problem}` : null;
    })
    .filter((line): line is string => line !== null);
  return { sent: sent.length, byStatus: countByStatus(results), violations };
}

/**
 * Log lines that mean a request broke something: a 5xx ("request failed"), an unhandled
 * rejection or an uncaught exception. Other error-level lines (e.g. TypeORM printing a failed
 * query that was answered with a 409) are reported, not failed on.
 */
export function crashLogs(logs: readonly ErrorLog[]): ErrorLog[] {
  return logs.filter((entry) => /request failed|unhandled|uncaught/i.test(String(entry.msg ?? '')));
}
