import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { DECISION_INPUT_VERSION, type DecisionRecord } from '../../src/routing/lab/decision-record';
import { decisionRowsJson, SqlDecisionLogWriter } from '../../src/routing/lab/decision-log-writer';
import {
  openEmbeddedDataSource,
  openPostgresDataSource,
  type OpenedDataSource,
} from '../support/data-sources';
import { describeIfPostgres } from '../support/postgres';

/** Strings that break naive quoting: quotes, backslashes, braces, commas, non-BMP characters. */
const HOSTILE = `a"b\\c{d},e'f\\"g 🦜 é \u2028 NULL \u0000 \\u0000 end`;
/** What Postgres holds: NUL, which text and jsonb cannot store, as U+FFFD; the rest unchanged. */
const STORED = HOSTILE.replaceAll('\u0000', '\uFFFD');

function record(tenantId: string, overrides: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    createdAt: new Date('2026-12-03T10:00:00.123Z'),
    requestId: randomUUID(),
    tenantId,
    inputs: {
      m: HOSTILE,
      l: 'code_gen',
      c: 0.73,
      im: 'model',
      s: { code_gen: 0.73, chat_lite: 0.1 },
      f: null,
      pt: 42,
      mo: null,
      n: 8,
      b: 0.5,
      bs: false,
      th: [0.4, 0.8],
      u: [],
      o: [`openai/${HOSTILE}`],
      r: null,
    },
    intent: 'code_gen',
    kind: 'auto',
    targetProvider: 'openai',
    targetModel: 'gpt-4o-mini',
    budgetDowngraded: false,
    decision: { f: ['anthropic/claude-3-5-haiku'], c: [['gpt-4o-mini', 1, 1234, 0.5]], e: 1234 },
    servedProvider: 'openai',
    servedModel: 'gpt-4o-mini',
    attempts: 1,
    promptTokens: 42,
    completionTokens: 7,
    cachedTokens: 0,
    costNano: 9_007_199_254_740_000,
    latencyMs: 12,
    status: 200,
    cacheHit: false,
    promptHash: Buffer.from('00ff10ab', 'hex'),
    experimentId: null,
    experimentArm: null,
    ...overrides,
  };
}

/** The same checks on the embedded database and on Postgres. */
function writerContract(open: () => Promise<OpenedDataSource>) {
  let dataSource: DataSource;
  let close: () => Promise<void>;
  let tenantId: string;

  beforeAll(async () => {
    ({ dataSource, close } = await open());
    [{ id: tenantId }] = await dataSource.query(`INSERT INTO tenants (name) VALUES ('lab') RETURNING id`);
  });
  afterAll(() => close());

  it('stores every column of a batch as given, hostile strings and nested JSON included', async () => {
    const experimentId = randomUUID();
    const records = [
      record(tenantId, { targetModel: HOSTILE.slice(0, 20) }),
      record(tenantId, {
        intent: null,
        kind: null,
        targetProvider: null,
        targetModel: null,
        servedProvider: null,
        servedModel: null,
        promptHash: null,
        status: 502,
        experimentId,
        experimentArm: HOSTILE,
      }),
      // Out-of-range numbers are clamped to the column types instead of failing the batch.
      record(tenantId, {
        attempts: 1e9,
        promptTokens: -5,
        latencyMs: Number.NaN,
        status: 70_000,
        experimentId: 'x',
      }),
    ];
    await new SqlDecisionLogWriter(dataSource).write(records);
    const rows: Array<Record<string, unknown>> = await dataSource.query(
      `SELECT created_at, request_id, tenant_id, input_version, inputs, intent, kind, target_provider, target_model,
              budget_downgraded, decision, served_provider, served_model, attempts, prompt_tokens,
              completion_tokens, cached_tokens, cost_nano::text AS cost_nano, latency_ms, status, cache_hit,
              encode(prompt_hash, 'hex') AS prompt_hash, experiment_id, experiment_arm
         FROM routing_decisions WHERE tenant_id = $1 ORDER BY id`,
      [tenantId],
    );
    expect(rows).toHaveLength(3);
    const [first, second, third] = rows;
    expect(new Date(first.created_at as string).toISOString()).toBe('2026-12-03T10:00:00.123Z');
    expect(first.request_id).toBe(records[0].requestId);
    expect(first.input_version).toBe(DECISION_INPUT_VERSION);
    expect(first.inputs).toEqual({ ...records[0].inputs, m: STORED, o: [`openai/${STORED}`] });
    expect(first.decision).toEqual(records[0].decision);
    expect(first.target_model).toBe(STORED.slice(0, 20));
    expect(first.cost_nano).toBe('9007199254740000');
    expect(first.prompt_hash).toBe('00ff10ab');
    expect(first.experiment_id).toBeNull();
    expect(first.experiment_arm).toBeNull();
    expect([
      second.intent,
      second.kind,
      second.target_model,
      second.served_model,
      second.prompt_hash,
    ]).toEqual([null, null, null, null, null]);
    expect(second.status).toBe(502);
    expect(second.experiment_id).toBe(experimentId);
    expect(second.experiment_arm).toBe(STORED.slice(0, 32));
    expect([third.attempts, third.prompt_tokens, third.latency_ms, third.status]).toEqual([
      32_767, 0, 0, 999,
    ]);
    expect(third.experiment_id).toBeNull();
  });

  it('writes nothing for an empty batch and all or nothing for a bad one', async () => {
    const count = async () =>
      (await dataSource.query(`SELECT count(*)::int AS n FROM routing_decisions`))[0].n as number;
    const before = await count();
    await new SqlDecisionLogWriter(dataSource).write([]);
    // A tenant id that is no UUID (the recorder refuses it earlier): the whole batch is refused,
    // nothing is half-written.
    await expect(
      new SqlDecisionLogWriter(dataSource).write([record(tenantId), record('not-a-uuid')]),
    ).rejects.toThrow();
    expect(await count()).toBe(before);
  });
}

describe('decision log writer', () => {
  it('serializes a batch once, nested JSON as objects', () => {
    const rows = JSON.parse(decisionRowsJson([record(randomUUID())])) as Array<Record<string, unknown>>;
    expect(rows[0].inputs).toEqual(expect.objectContaining({ m: STORED }));
    expect(rows[0].prompt_hash).toBe('00ff10ab');
  });
});

describe('decision log writer on the embedded database (PGlite)', () => {
  writerContract(openEmbeddedDataSource);
});

describeIfPostgres('decision log writer on Postgres', () => {
  writerContract(openPostgresDataSource);
});
