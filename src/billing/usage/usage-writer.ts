import type { DataSource } from 'typeorm';
import { pgText } from '../../database/pg-text';
import type { UsageEvent } from '../billing.types';
import { namedStatementRunner, type NamedStatementRunner } from '../../database/named-statement';
import { dashboardRollupUpserts } from './dashboard-rollups';
import { rollupUpsertSql, ROLLUP_TABLES } from './usage-rollups';

/**
 * Writes usage in two steps. write(): one batch of raw rows, durable (all or nothing; rejects
 * when nothing was written) — what a request waits for. rollUp(): adds up to `limit` written rows
 * to the roll-ups and returns how many it added (0: nothing was waiting).
 */
export interface UsageWriter {
  write(events: readonly UsageEvent[]): Promise<void>;
  rollUp(limit: number): Promise<number>;
}

export const USAGE_WRITER = Symbol('USAGE_WRITER');

const INT4_MAX = 2_147_483_647;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function int4(value: number): number {
  return Number.isFinite(value) ? Math.min(INT4_MAX, Math.max(0, Math.round(value))) : 0;
}

function int8(value: number): number {
  return Number.isFinite(value) ? Math.max(0, Math.round(value)) : 0;
}

/** The event's problem, if it cannot be stored at all (checked at record time, not at flush). */
export function invalidUsageEvent(event: UsageEvent): string | null {
  if (!UUID.test(event.tenantId)) return 'tenantId is not a UUID';
  if (event.apiKeyId !== null && !UUID.test(event.apiKeyId)) return 'apiKeyId is not a UUID';
  if (!(event.createdAt instanceof Date) || Number.isNaN(event.createdAt.getTime()))
    return 'createdAt is not a date';
  return null;
}

/**
 * Column arrays for one multi-row INSERT … SELECT FROM unnest(…): one statement text whatever the
 * batch size (no 65k-parameter limit, one plan). Values are clamped to the column types, so a
 * single odd event can never poison a batch.
 */
export function usageColumns(events: readonly UsageEvent[]): unknown[][] {
  const n = events.length;
  const cols: unknown[][] = Array.from({ length: 19 }, () => new Array<unknown>(n));
  for (let i = 0; i < n; i++) {
    const e = events[i];
    cols[0][i] = pgText(e.requestId.slice(0, 128));
    cols[1][i] = e.tenantId;
    cols[2][i] = e.apiKeyId;
    cols[3][i] = pgText(e.provider.slice(0, 16));
    cols[4][i] = pgText(e.model.slice(0, 100));
    cols[5][i] = e.intent === null ? null : pgText(e.intent.slice(0, 16));
    cols[6][i] = int4(e.promptTokens);
    cols[7][i] = int4(e.completionTokens);
    cols[8][i] = int4(e.cachedTokens);
    cols[9][i] = int8(e.costNano);
    cols[10][i] = int8(e.savedNano);
    cols[11][i] = int4(e.latencyMs);
    cols[12][i] = Math.min(999, Math.max(0, Math.round(e.status) || 0));
    cols[13][i] = e.cacheHit;
    cols[14][i] = e.createdAt.toISOString();
    cols[15][i] = e.refusal ? pgText(e.refusal.slice(0, 32)) : null;
    cols[16][i] = e.pricingEstimated === true;
    cols[17][i] = e.autoRouted === true;
    cols[18][i] = e.fallback === true;
  }
  return cols;
}

/** The columns a roll-up reads from a raw row (usage_records and usage_rollup_queue both have them). */
export const ROLLUP_SOURCE_COLUMNS = `tenant_id, api_key_id, provider, model, intent, prompt_tokens, completion_tokens,
  cached_tokens, cost_nano, saved_nano, latency_ms, status, cache_hit, created_at, refusal, pricing_estimated,
  auto_routed, fallback`;

/**
 * The raw rows, into usage_records and into the roll-up queue, in one statement: one round trip
 * a batch, a small plan, and no roll-up row lock that a request would wait on.
 */
export const INSERT_USAGE_SQL = `
WITH ins AS (
  INSERT INTO usage_records (request_id, tenant_id, api_key_id, provider, model, intent, prompt_tokens,
                             completion_tokens, cached_tokens, cost_nano, saved_nano, latency_ms, status,
                             cache_hit, created_at, refusal, pricing_estimated, auto_routed, fallback)
  SELECT * FROM unnest($1::varchar[], $2::uuid[], $3::uuid[], $4::varchar[], $5::varchar[], $6::varchar[],
                       $7::int4[], $8::int4[], $9::int4[], $10::int8[], $11::int8[], $12::int4[], $13::int2[],
                       $14::bool[], $15::timestamptz[], $16::varchar[], $17::bool[], $18::bool[], $19::bool[])
  RETURNING ${ROLLUP_SOURCE_COLUMNS}
)
INSERT INTO usage_rollup_queue (${ROLLUP_SOURCE_COLUMNS})
SELECT ${ROLLUP_SOURCE_COLUMNS} FROM ins`;

/**
 * One roll-up pass: deletes up to $1 queued rows and adds them to every roll-up (usage-rollups.ts,
 * dashboard-rollups.ts) in ONE statement (data-modifying CTEs), so a row leaves the queue exactly
 * when it is in every roll-up: the roll-ups plus the queue always equal the raw rows. Answers the
 * number of rows rolled up. Rows another replica's pass holds are waited for (FOR UPDATE, not
 * SKIP LOCKED: the two passes would wait on each other's roll-up rows anyway), so a pass that
 * answers fewer than $1 saw the queue drained — what flush() promises its caller.
 */
export const ROLL_UP_SQL = `
WITH batch AS (
  DELETE FROM usage_rollup_queue
   WHERE ctid = ANY(ARRAY(SELECT ctid FROM usage_rollup_queue LIMIT $1::int FOR UPDATE))
  RETURNING ${ROLLUP_SOURCE_COLUMNS}
),
${dashboardRollupUpserts('batch')
  .map((sql, i) => `dashboard_${i}_upsert AS (\n${sql}\n)`)
  .join(',\n')},
${ROLLUP_TABLES.map((table) => `${table.name}_upsert AS (\n${rollupUpsertSql(table, 'batch')}\n)`).join(',\n')}
SELECT count(*)::int AS rolled FROM batch`;

export class SqlUsageWriter implements UsageWriter {
  private readonly run: NamedStatementRunner;

  /** `prepared`: DATABASE_PREPARED_STATEMENTS (src/database/named-statement.ts). */
  constructor(dataSource: DataSource, prepared = true) {
    this.run = namedStatementRunner(dataSource, prepared);
  }

  async write(events: readonly UsageEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.run('modelmuxer_usage_write', INSERT_USAGE_SQL, usageColumns(events));
  }

  async rollUp(limit: number): Promise<number> {
    const rows = (await this.run('modelmuxer_usage_roll_up', ROLL_UP_SQL, [limit])) as Array<{
      rolled: number | string;
    }>;
    return Number(rows[0]?.rolled ?? 0);
  }
}
