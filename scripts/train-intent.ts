/**
 * Trains the intent model (npm run train:intent) on test/fixtures/intent/corpus.jsonl
 * (built by npm run data:intent) and writes src/intent/model/intent-model.json.
 *
 * 1. Leave-one-source-out: for every source, both heads (labels, safety) are trained on the
 *    other sources and predict the held-out one.
 * 2. Calibration on those out-of-source predictions: label temperature, Platt scaling of the
 *    safety logit, the safety threshold (highest recall with ≤ 3 % false alarms on safe
 *    look-alikes and ≥ 90 % precision), and an isotonic map of the final confidence.
 * 3. The final model on the whole corpus, quantised to int8, with that calibration.
 *
 * Deterministic: seeded order, no parallelism; the same corpus gives the same file byte for byte.
 * `--reuse-loso` reuses the held-out predictions a previous run left (same corpus and options).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS_FILE, INTENT_DATA_DIR, loadCorpus } from '../src/intent/dataset';
import type { CorpusRow } from '../src/intent/dataset';
import {
  fitCalibration,
  leaveOneSourceOut,
  loadLosoPredictions,
  losoCachePath,
  saveLosoPredictions,
  sourcesOf,
} from '../src/intent/training/pipeline';
import { isSafetyLookalike } from '../src/intent/training/lookalikes';
import { DEFAULT_TRAINING, prepareRows, toArtifact, trainModel } from '../src/intent/training/trainer';
import type { TrainingRow } from '../src/intent/training/trainer';

const OUTPUT = join('src', 'intent', 'model', 'intent-model.json');

function main(): void {
  const corpusText = readFileSync(join(INTENT_DATA_DIR, CORPUS_FILE), 'utf8');
  const corpus = loadCorpus();
  const rows = prepareRows(corpus);
  const sources = sourcesOf(rows);
  console.log(`corpus: ${rows.length} rows, ${sources.length} sources`);

  const byId = new Map(corpus.map((row) => [row.id, row]));
  const lookalike = (row: TrainingRow): boolean => isSafetyLookalike(byId.get(row.id) as CorpusRow);
  console.log('leave-one-source-out predictions for calibration:');
  const cache = losoCachePath(corpusText, DEFAULT_TRAINING);
  const cached = process.argv.includes('--reuse-loso') ? loadLosoPredictions(cache, rows.length) : null;
  if (cached) console.log(`  reusing ${cache} (--reuse-loso)`);
  const predictions = cached ?? leaveOneSourceOut(rows, DEFAULT_TRAINING, (line) => console.log(line));
  saveLosoPredictions(cache, predictions);
  console.log(`leave-one-source-out predictions saved for eval:intent in ${cache}`);
  const { calibration, safetyPoint } = fitCalibration(
    rows,
    predictions,
    rows.map((_, i) => i),
    lookalike,
  );
  console.log(
    `calibration: temperature ${calibration.temperature}, heuristic weight ${calibration.heuristicWeight} (per label ${(calibration.heuristicWeights ?? []).join('/')}), safety Platt a=${calibration.safetyA} c=${calibration.safetyC} b=${calibration.safetyB}, ` +
      `threshold ${safetyPoint.threshold} or label-head margin ${calibration.safetyMargin} or hand-written rule level ${calibration.safetyRule ?? 0} (recall ${(safetyPoint.recall * 100).toFixed(1)} %, per-source mean ${(safetyPoint.macroRecall * 100).toFixed(1)} %, precision ${(safetyPoint.precision * 100).toFixed(1)} %, ` +
      `look-alike false alarms ${(safetyPoint.falseAlarmRate * 100).toFixed(1)} %), isotonic map of ${calibration.isotonic.x.length} points`,
  );

  const model = trainModel(rows, DEFAULT_TRAINING);
  const artifact = toArtifact(model, calibration, {
    rows: rows.length,
    sources: sources.length,
    corpusText,
    epochs: DEFAULT_TRAINING.epochs,
    seed: DEFAULT_TRAINING.seed,
  });
  const text = `${JSON.stringify(artifact)}\n`;
  writeFileSync(OUTPUT, text);
  console.log(
    `wrote ${OUTPUT} (${(text.length / 1024 / 1024).toFixed(2)} MiB, ${1 << artifact.bits} buckets, int8)`,
  );
}

main();
