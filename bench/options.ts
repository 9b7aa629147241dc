/**
 * Command line and environment of `npm run bench` (pure; test/bench/options.spec.ts).
 *
 *   npm run bench                          the default run (≈ 4 min)
 *   npm run bench -- --quick               a smoke run (≈ 1 min, numbers only indicative)
 *   npm run bench -- --soak 600            + a 10-minute soak reporting start/end RSS (judges growth)
 *   npm run bench -- --profile 15          + a 15 s CPU profile of the gateway under load
 *   npm run bench -- --breakdown           + what each feature costs (CPU per request)
 *   npm run bench -- --workers 1           single process only
 *
 * Environment: DATABASE_URL and REDIS_URL (production mode; without them the embedded
 * fallback), BENCH_SOAK / BENCH_PROFILE / BENCH_BREAKDOWN (as the flags), BENCH_COMPARE_URL (+ _HEADERS, _MODEL,
 * _PID) for another gateway, BENCH_UPSTREAM_PORT to pin the fake upstream's port.
 */

export interface CompareTarget {
  /** Chat-completions URL of the other gateway. */
  url: string;
  headers: Record<string, string>;
  /** Model to ask the other gateway for (default: the model ModelMuxer routed to). */
  model?: string;
  /** Its process id, to report its CPU and RSS from /proc. */
  pid?: number;
}

export interface BenchOptions {
  durationS: number;
  rounds: number;
  clusterRounds: number;
  connections: number[];
  workers: number[];
  warmupS: number;
  soakS: number;
  profileS: number;
  /** Also measure what each feature costs (one gateway per variant, interleaved). */
  breakdown: boolean;
  upstreamLatencyMs: number;
  /** The gateway's LOG_LEVEL (info, its default, writes one access line per request). */
  logLevel: string;
  completionTokens: number;
  upstreamPort?: number;
  microScale: number;
  outDir: string;
  compare: CompareTarget | null;
  databaseUrl?: string;
  redisUrl?: string;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]
  --duration <s>          seconds per load run (default 3)
  --rounds <n>            interleaved rounds, single process (default 3)
  --cluster-rounds <n>    interleaved rounds with several workers (default 2)
  --connections <list>    concurrency levels (default 1,16,64)
  --workers <list>        gateway process counts to measure (default 1,2; >1 needs DATABASE_URL)
  --soak <s>              add a soak at 16 connections reporting start/end RSS (or BENCH_SOAK)
  --profile <s>           add a CPU profile of the gateway under load (or BENCH_PROFILE)
  --upstream-latency <ms> fake upstream delay before its answer (default 0)
  --log-level <level>     the gateway's LOG_LEVEL (default info, as deployed)
  --tokens <n>            completion length of the fake's answers, in words (default 32)
  --breakdown             add the cost of each feature (one gateway per variant; or BENCH_BREAKDOWN=1)
  --quick                 1 round of 1 s, smaller micro-benchmarks (a smoke run)
  --out <dir>             results folder (default bench/results)`;

function numberList(value: string, name: string): number[] {
  const list = value.split(',').map((part) => Number(part.trim()));
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`${name} must be a comma-separated list of positive integers, got "${value}"`);
  }
  return list;
}

function positive(
  value: string | undefined,
  name: string,
  { integer = false, allowZero = true } = {},
): number {
  const n = Number(value);
  if (
    value === undefined ||
    value.trim() === '' ||
    !Number.isFinite(n) ||
    n < 0 ||
    (!allowZero && n === 0) ||
    (integer && !Number.isInteger(n))
  ) {
    throw new Error(
      `${name} must be a ${integer ? 'whole ' : ''}number${allowZero ? ' ≥ 0' : ' > 0'}, got "${value ?? ''}"`,
    );
  }
  return n;
}

/** "k1=v1,k2=v2" or a JSON object → headers. */
export function parseHeaders(value: string | undefined): Record<string, string> {
  if (!value || value.trim() === '') return {};
  const trimmed = value.trim();
  if (trimmed.startsWith('{')) {
    const parsed = JSON.parse(trimmed) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k.toLowerCase(), String(v)]));
  }
  const headers: Record<string, string> = {};
  for (const pair of trimmed.split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`BENCH_COMPARE_HEADERS: "${pair}" is not name=value`);
    headers[pair.slice(0, at).trim().toLowerCase()] = pair.slice(at + 1).trim();
  }
  return headers;
}

export function parseOptions(argv: readonly string[], env: Record<string, string | undefined>): BenchOptions {
  const options: BenchOptions = {
    durationS: 3,
    rounds: 3,
    clusterRounds: 2,
    connections: [1, 16, 64],
    workers: [1, 2],
    warmupS: 2,
    soakS: env.BENCH_SOAK ? positive(env.BENCH_SOAK, 'BENCH_SOAK') : 0,
    profileS: env.BENCH_PROFILE ? positive(env.BENCH_PROFILE, 'BENCH_PROFILE') : 0,
    breakdown: env.BENCH_BREAKDOWN === '1' || env.BENCH_BREAKDOWN === 'true',
    upstreamLatencyMs: 0,
    logLevel: 'info',
    completionTokens: 32,
    upstreamPort: env.BENCH_UPSTREAM_PORT
      ? positive(env.BENCH_UPSTREAM_PORT, 'BENCH_UPSTREAM_PORT', { integer: true })
      : undefined,
    microScale: 1,
    outDir: 'bench/results',
    compare: null,
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new Error(`${flag} needs a value`);
      i++;
      return next;
    };
    switch (flag) {
      case '--duration':
        options.durationS = positive(value(), flag, { allowZero: false });
        break;
      case '--rounds':
        options.rounds = positive(value(), flag, { integer: true, allowZero: false });
        break;
      case '--cluster-rounds':
        options.clusterRounds = positive(value(), flag, { integer: true, allowZero: false });
        break;
      case '--connections':
        options.connections = numberList(value(), flag);
        break;
      case '--workers':
        options.workers = numberList(value(), flag);
        break;
      case '--soak':
        options.soakS = positive(value(), flag);
        break;
      case '--profile':
        options.profileS = positive(value(), flag);
        break;
      case '--upstream-latency':
        options.upstreamLatencyMs = positive(value(), flag);
        break;
      case '--log-level':
        options.logLevel = value();
        if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace'].includes(options.logLevel))
          throw new Error(`--log-level: unknown level ${options.logLevel}`);
        break;
      case '--tokens':
        options.completionTokens = positive(value(), flag, { integer: true, allowZero: false });
        break;
      case '--quick':
        options.durationS = 1;
        options.rounds = 1;
        options.clusterRounds = 1;
        options.warmupS = 1;
        options.microScale = 0.2;
        break;
      case '--breakdown':
        options.breakdown = true;
        break;
      case '--out':
        options.outDir = value();
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  if (env.BENCH_COMPARE_URL) {
    options.compare = {
      url: env.BENCH_COMPARE_URL,
      headers: parseHeaders(env.BENCH_COMPARE_HEADERS),
      model: env.BENCH_COMPARE_MODEL || undefined,
      pid: env.BENCH_COMPARE_PID
        ? positive(env.BENCH_COMPARE_PID, 'BENCH_COMPARE_PID', { integer: true })
        : undefined,
    };
  }
  return options;
}
