/**
 * Counterfactual replay of the routing decision log (docs/routing.md "Routing lab"): re-runs the
 * pure routing decision over the decisions logged in a window under a candidate routing policy
 * (and catalog) and reports, per intent and overall, what would move, where, at what cost.
 *
 *   npm run replay -- --from 2026-11-25 --to 2026-12-02 --routing other-routing.yaml \
 *     [--models other-models.yaml] [--tenant <uuid>] [--low-confidence 0.5] [--min-conf-direct 0.85] \
 *     [--max-below-floor 0.02] [--json]
 *
 * Reads the database the gateway uses (DATABASE_URL, or the embedded one under DATA_DIR — which
 * one process holds at a time: stop the gateway or use POST /admin/routing/replay instead).
 * Without --routing/--models the live files (ROUTING_FILE, MODELS_FILE) are the candidate.
 */
import { readFileSync } from 'node:fs';
import { loadAppConfig } from '../src/config/app-config';
import { EmbeddedDatabaseHandle, openDataSource } from '../src/database/database.module';
import { ModelCatalog } from '../src/routing/model-catalog';
import { RoutingPolicyService } from '../src/routing/routing-policy';
import { ReplayService } from '../src/routing/lab/replay.service';
import { readAppliedThresholds } from '../src/routing/lab/threshold-overrides.service';
import { RoutingThresholdState } from '../src/routing/routing-thresholds';
import { replayReportText } from '../src/routing/lab/replay-text';

function option(name: string): string | undefined {
  const args = process.argv.slice(2);
  const index = args.indexOf(`--${name}`);
  if (index >= 0)
    return args[index + 1] === undefined || args[index + 1].startsWith('--') ? 'true' : args[index + 1];
  return args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
}

function date(name: string): Date {
  const value = option(name);
  const parsed = value === undefined ? NaN : Date.parse(value);
  if (Number.isNaN(parsed)) throw new Error(`--${name} <ISO date or timestamp> is required`);
  return new Date(parsed);
}

function threshold(name: string): number | undefined {
  const value = option(name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new Error(`--${name} must be a number between 0 and 1`);
  return n;
}

async function main(): Promise<void> {
  const from = date('from');
  const to = date('to');
  const routing = option('routing');
  const models = option('models');
  const low = threshold('low-confidence');
  const direct = threshold('min-conf-direct');
  const maxBelow = threshold('max-below-floor');
  const config = loadAppConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'error' });
  const catalog = ModelCatalog.load(config.routing.modelsFile);
  const policies = RoutingPolicyService.load(config.routing.routingFile, catalog);
  const handle = new EmbeddedDatabaseHandle();
  const dataSource = await openDataSource(config, handle);
  try {
    // The thresholds and floors an admin applied are part of the live configuration.
    const state = new RoutingThresholdState(config);
    state.set(await readAppliedThresholds(dataSource, config), policies.policy);
    const report = await new ReplayService(dataSource, catalog, policies, config, state).replay({
      from,
      to,
      tenantId: option('tenant') ?? null,
      routingYaml: routing ? readFileSync(routing, 'utf8') : null,
      modelsYaml: models ? readFileSync(models, 'utf8') : null,
      thresholds: {
        ...(low !== undefined ? { lowConfidence: low } : {}),
        ...(direct !== undefined ? { minConfForDirect: direct } : {}),
      },
      suggestions: { maxBelowFloorShare: maxBelow },
      sources: {
        routing: routing ?? config.routing.routingFile,
        models: models ?? config.routing.modelsFile,
      },
    });
    console.log(option('json') ? JSON.stringify(report, null, 2) : replayReportText(report));
  } finally {
    await dataSource.destroy();
    await handle.current?.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
