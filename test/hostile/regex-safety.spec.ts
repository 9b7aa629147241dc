import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkSync } from 'recheck';
import * as ts from 'typescript';
import { DECISION_LIST } from '../../src/audit/audit.types';
import { KEY_PATTERN } from '../../src/billing/keys/api-key-secret';
import { GROUP_BY_LIST } from '../../src/billing/usage/usage-report';
import { SPLITTER } from '../../src/common/token-estimator';
import { globToRegExp } from '../../src/routing/model-resolver';

/**
 * Every regular expression in the gateway's source (src/intent has its own owner and test) is
 * found by parsing the TypeScript, then:
 *  1. checked by recheck (a ReDoS checker: automaton analysis plus fuzzing) — it must be `safe`,
 *     i.e. neither exponential nor polynomial; and
 *  2. run against generated adversarial strings (runs of the characters such patterns fight
 *     over, ~20,000 characters, ended by a character that forces failure), each within a
 *     generous bound: a linear pattern takes ~1 ms here, a quadratic one seconds.
 * A pattern that recheck flags is allowed only on input that is bounded elsewhere, with the
 * reason written below.
 */
const SRC = join(__dirname, '../../src');
const EXCLUDED_DIRS = new Set(['intent']);
/** Generous: linear patterns need ~1 ms for 20,000 characters; quadratic ones need seconds. */
const MAX_MS_PER_INPUT = 250;
const ADVERSARIAL_LENGTH = 20_000;

interface FoundPattern {
  where: string;
  regex: RegExp;
  /** Longest input the code ever hands this pattern (Infinity: client-controlled size). */
  maxInput: number;
}

/** Patterns recheck flags, safe only because their input is short and not client-controlled. */
const BOUNDED_INPUT: Record<string, { maxInput: number; reason: string }> = {
  'billing/budgets/budget-math.ts /0+$/': { maxInput: 9, reason: 'formatUsd: a 9-digit fraction' },
  'config/app-config.ts /\\/+$/': {
    maxInput: 2_048,
    reason: 'an OTLP endpoint URL from the environment, at start-up',
  },
  'providers/http/upstream-http.service.ts /\\/+$/': {
    maxInput: 2_048,
    reason: 'a base URL path from the validated configuration, at start-up',
  },
  'providers/shared/upstream-text.ts /[)"\'`\\]>},.;:!?]+$/': {
    maxInput: 2_000,
    reason: 'one word of an upstream error message, capped at 2,000 characters before scrubbing',
  },
  'providers/shared/upstream-text.ts /^(.*?\\b(?:password|passwd|pwd|pass|secret|token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key|auth|authorization|credentials?|session|cookie))(=|:)(.*)$/i':
    {
      maxInput: 2_000,
      reason: 'one word of an upstream error message, capped at 2,000 characters before scrubbing',
    },
  'routing/litellm-discovery.service.ts /\\/+$/': {
    maxInput: 2_048,
    reason: 'LITELLM_BASE_URL from the validated configuration, at start-up',
  },
  'providers/litellm/litellm.request.ts /\\/+$/': {
    maxInput: 2_048,
    reason: 'LITELLM_BASE_URL from the validated configuration, at start-up',
  },
};

/** Patterns built at run time (`new RegExp(...)`), by file, with the built value. */
const BUILT_AT_RUN_TIME: Record<string, { regex: RegExp; maxInput: number }> = {
  'billing/keys/api-key-secret.ts': { regex: KEY_PATTERN, maxInput: Infinity },
  // The estimator never hands the splitter more than its sample (see token-estimator.ts).
  'common/token-estimator.ts': { regex: SPLITTER, maxInput: 8_192 },
  // Legacy-name globs of config/models.yaml (`gpt-4*vision*` has two stars, the most there is),
  // matched against a model name, which the request DTOs cap at 256 characters.
  'routing/model-resolver.ts': { regex: globToRegExp('gpt-4*vision*'), maxInput: 256 },
  // GET /admin/audit?decision=a,b: literal alternatives separated by commas.
  'audit/audit.types.ts': { regex: DECISION_LIST, maxInput: Infinity },
  // GET /admin/usage?group_by=tenant,model: the same shape.
  'billing/usage/usage-report.ts': { regex: GROUP_BY_LIST, maxInput: Infinity },
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return EXCLUDED_DIRS.has(name) ? [] : sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

function literalPatterns(file: string): { literals: FoundPattern[]; built: number } {
  const text = readFileSync(file, 'utf8');
  const tree = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const name = relative(SRC, file);
  const literals: FoundPattern[] = [];
  let built = 0;
  const visit = (node: ts.Node): void => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const literal = node.getText(tree);
      const end = literal.lastIndexOf('/');
      const regex = new RegExp(literal.slice(1, end), literal.slice(end + 1));
      const bounded = BOUNDED_INPUT[`${name} ${literal}`];
      literals.push({ where: `${name} ${literal}`, regex, maxInput: bounded?.maxInput ?? Infinity });
    }
    if (ts.isNewExpression(node) && node.expression.getText(tree) === 'RegExp') built++;
    if (ts.isCallExpression(node) && node.expression.getText(tree) === 'RegExp') built++;
    ts.forEachChild(node, visit);
  };
  visit(tree);
  return { literals, built };
}

function allPatterns(): FoundPattern[] {
  const found: FoundPattern[] = [];
  for (const file of sourceFiles(SRC)) {
    const { literals, built } = literalPatterns(file);
    found.push(...literals);
    if (built === 0) continue;
    const name = relative(SRC, file);
    const known = BUILT_AT_RUN_TIME[name];
    if (!known || built !== 1)
      throw new Error(`${name} builds a RegExp at run time: add it to BUILT_AT_RUN_TIME`);
    found.push({ where: `${name} new RegExp(${known.regex.source})`, ...known });
  }
  return found;
}

/** Runs of what patterns fight over: word characters, digits, separators, prefixes of known shapes. */
const UNITS = [
  'a',
  'A',
  '1',
  '0',
  ' ',
  '-',
  '.',
  '/',
  '_',
  '@',
  '%',
  '+',
  ':',
  '=',
  '\t',
  '\n',
  '中',
  '\u0301',
  'a-',
  'a.',
  'a@',
  '@a.',
  'aA',
  'a ',
  '1-',
  '1.',
  '1 ',
  '1a',
  'AB12 ',
  '12 ',
  '(12) ',
  '+1 ',
  'eyJ-',
  'eyJaaaaaaaaaaa.',
  'sk-',
  'AKIA',
  'ghp_',
  'mm-',
  'Bearer ',
  'data:image/png;base64,',
  'http://',
  '%_-',
  '\\"',
];
const ENDINGS = ['', '!', '\u0000', ' a', '\ud800'];

function adversarialInputs(pattern: FoundPattern): string[] {
  const length = Math.min(ADVERSARIAL_LENGTH, pattern.maxInput);
  const inputs: string[] = [];
  for (const unit of UNITS) {
    const body = unit.repeat(Math.max(1, Math.floor(length / unit.length)));
    for (const ending of ENDINGS) inputs.push((body + ending).slice(0, Math.max(length, 1)));
  }
  return inputs;
}

function runOnce(regex: RegExp, input: string): void {
  const global = new RegExp(regex.source, regex.flags.includes('g') ? regex.flags : `${regex.flags}g`);
  for (const match of input.matchAll(global)) void match;
}

/**
 * How long the pattern takes on the input, in CPU time of this process (time spent preempted by
 * other processes does not count): the fastest of up to `tries` runs, the next run only when the
 * last one was over the bound — a GC pause slows one run, while backtracking slows every run.
 */
function fastestOf(tries: number, regex: RegExp, input: string): number {
  let fastest = Infinity;
  for (let i = 0; i < tries && fastest >= MAX_MS_PER_INPUT; i++) {
    const started = process.cpuUsage();
    runOnce(regex, input);
    const used = process.cpuUsage(started);
    fastest = Math.min(fastest, (used.user + used.system) / 1000);
  }
  return fastest;
}

const PATTERNS = allPatterns();

describe('regular expressions under adversarial input', () => {
  it('finds the patterns (sanity: the PII detectors and the chat DTO are among them)', () => {
    expect(PATTERNS.length).toBeGreaterThan(25);
    expect(PATTERNS.some((p) => p.where.startsWith('policy/pii.ts'))).toBe(true);
    expect(PATTERNS.some((p) => p.where.startsWith('chat/chat-completion.dto.ts'))).toBe(true);
  });

  it.each(PATTERNS.map((pattern) => [pattern.where, pattern] as const))(
    'recheck finds no super-linear backtracking in %s',
    (_where, pattern) => {
      const verdict = checkSync(pattern.regex.source, pattern.regex.flags, {
        // Deterministic: the fuzzer is seeded, and no verdict depends on the clock. With its
        // default attack/incubation timeouts recheck calls a pattern "vulnerable" when running
        // an attack string takes over a second of wall time — which a loaded machine makes
        // happen to linear patterns too. Its step limits alone decide here.
        randomSeed: 20_261_202,
        timeout: null,
        attackTimeout: null,
        incubationTimeout: null,
      });
      if (pattern.maxInput !== Infinity) return; // flagged or not, its input is short (see BOUNDED_INPUT)
      expect({ where: pattern.where, status: verdict.status }).toEqual({
        where: pattern.where,
        status: 'safe',
      });
    },
    120_000,
  );

  it.each(PATTERNS.map((pattern) => [pattern.where, pattern] as const))(
    'runs in linear time on adversarial strings: %s',
    (_where, pattern) => {
      let slowest = { ms: 0, input: '' };
      for (const input of adversarialInputs(pattern)) {
        const ms = fastestOf(3, pattern.regex, input);
        if (ms > slowest.ms) slowest = { ms, input: JSON.stringify(input.slice(0, 24)) };
      }
      expect({ where: pattern.where, slowest: slowest.ms < MAX_MS_PER_INPUT ? 'fast' : slowest }).toEqual({
        where: pattern.where,
        slowest: 'fast',
      });
    },
  );
});
