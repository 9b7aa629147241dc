import type { ReportDimension, ReportTotals, SpendReport } from '../usage/usage-report';

const NANO = 1e9;

export interface ReportTotalsResponse {
  requests: number;
  errors: number;
  cache_hits: number;
  refusals: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  total_tokens: number;
  cost_usd: number;
  /** What cache hits saved (the cost of the original calls). */
  saved_usd: number;
  /** Served requests billed at an estimated price (pricing "estimated" in their router_metadata). */
  estimated_price_requests: number;
}

export interface UsageReportResponse {
  object: 'usage_report';
  from: string;
  to: string;
  group_by: ReportDimension[];
  filters: {
    tenant: string | null;
    key: string | null;
    model: string | null;
    provider: string | null;
    intent: string | null;
  };
  totals: ReportTotalsResponse;
  /** One object a group: the grouped dimensions' values, then the totals. */
  /** Grouped by tenant, each group also has `tenant_name` (null: no tenant, or deleted). */
  groups: Array<
    Partial<Record<ReportDimension, string | null>> & { tenant_name?: string | null } & ReportTotalsResponse
  >;
}

export function reportTotalsResponse(totals: ReportTotals): ReportTotalsResponse {
  return {
    requests: totals.requests,
    errors: totals.errors,
    cache_hits: totals.cacheHits,
    refusals: totals.refusals,
    prompt_tokens: totals.promptTokens,
    completion_tokens: totals.completionTokens,
    cached_tokens: totals.cachedTokens,
    total_tokens: totals.promptTokens + totals.completionTokens,
    cost_usd: totals.costNano / NANO,
    saved_usd: totals.savedNano / NANO,
    estimated_price_requests: totals.estimatedPriceRequests,
  };
}

export function usageReportResponse(report: SpendReport): UsageReportResponse {
  const f = report.filters;
  return {
    object: 'usage_report',
    from: report.from.toISOString(),
    to: report.to.toISOString(),
    group_by: [...report.groupBy],
    filters: {
      tenant: f.tenantId ?? null,
      key: f.keyId ?? null,
      model: f.model ?? null,
      provider: f.provider ?? null,
      intent: f.intent ?? null,
    },
    totals: reportTotalsResponse(report.totals),
    groups: report.groups.map((group) => ({
      ...group.dimensions,
      ...(group.tenantName === undefined ? {} : { tenant_name: group.tenantName }),
      ...reportTotalsResponse(group),
    })),
  };
}

const TOTAL_COLUMNS: Array<keyof ReportTotalsResponse> = [
  'requests',
  'errors',
  'cache_hits',
  'refusals',
  'prompt_tokens',
  'completion_tokens',
  'cached_tokens',
  'total_tokens',
  'cost_usd',
  'saved_usd',
  'estimated_price_requests',
];

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF, quotes doubled. A
 * text value that a spreadsheet would run as a formula (leading =, +, -, @, tab or CR: model
 * names can come from clients) is prefixed with a single quote (OWASP "CSV injection").
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The report as CSV: a header row, one row a group (the grouped dimensions, then the totals),
 * CRLF line ends. Without group_by, one row of totals.
 */
export function usageReportCsv(report: SpendReport): string {
  const header = [...report.groupBy, ...TOTAL_COLUMNS];
  const rows =
    report.groupBy.length === 0
      ? [TOTAL_COLUMNS.map((c) => reportTotalsResponse(report.totals)[c])]
      : report.groups.map((group) => {
          const totals = reportTotalsResponse(group);
          return [
            ...report.groupBy.map((d) => group.dimensions[d] ?? null),
            ...TOTAL_COLUMNS.map((c) => totals[c]),
          ];
        });
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
