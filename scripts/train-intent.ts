/**
 * Trains the intent model (npm run train:intent). Reads ONLY the training split
 * (test/fixtures/intent/train.jsonl); the held-out split is for eval-intent and the tests.
 *
 * 1. Fits the heuristic's softmax temperature (NLL on the training split) and reports it.
 * 2. 5-fold cross-validation on the training split gives out-of-fold model logits; the blend
 *    weights of heuristic and model are fitted on those (so calibration is not fooled by
 *    training-set overconfidence).
 * 3. Trains the final model on the whole training split, quantises it to int8 and writes
 *    src/intent/model/intent-model.json.
 *
 * Deterministic: fixed seed, fixed fold rule, no parallelism.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INTENT_DATA_DIR, TRAIN_FILE, loadIntentExamples } from '../src/intent/dataset';
import { extractFeatures } from '../src/intent/features';
import {
  HEURISTIC_TEMPERATURE,
  LABEL_COUNT,
  LABEL_INDEX,
  heuristicScores,
  softmaxInPlace,
} from '../src/intent/heuristic';
import { INTENT_LABELS } from '../src/intent/intent.types';
import { featureHashes, toSparseVector } from '../src/intent/model/hashed-features';
import type { SparseVector } from '../src/intent/model/hashed-features';
import type { IntentModelArtifact } from '../src/intent/model/linear-model';

const BITS = 14;
const EPOCHS = 30;
const LEARNING_RATE = 0.5;
const LR_DECAY = 0.0005;
const L2 = 1e-5;
const SEED = 20241102;
const FOLDS = 5;
const OUTPUT = join('src', 'intent', 'model', 'intent-model.json');

interface Row {
  id: string;
  y: number;
  x: SparseVector;
  heuristic: Float64Array;
}

/** mulberry32: a tiny seeded PRNG, for a deterministic shuffle. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled(n: number, random: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

interface Trained {
  w: Float64Array;
  b: Float64Array;
}

function logits(model: Trained, x: SparseVector, out = new Float64Array(LABEL_COUNT)): Float64Array {
  for (let k = 0; k < LABEL_COUNT; k++) out[k] = model.b[k];
  for (let i = 0; i < x.indices.length; i++) {
    const row = x.indices[i] * LABEL_COUNT;
    for (let k = 0; k < LABEL_COUNT; k++) out[k] += model.w[row + k] * x.values[i];
  }
  return out;
}

/** Multinomial logistic regression by SGD with L2 (lazy: applied to the touched weights). */
function train(rows: Row[]): Trained {
  const model: Trained = { w: new Float64Array((1 << BITS) * LABEL_COUNT), b: new Float64Array(LABEL_COUNT) };
  const random = prng(SEED);
  const p = new Float64Array(LABEL_COUNT);
  let step = 0;
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    for (const index of shuffled(rows.length, random)) {
      const { x, y } = rows[index];
      const lr = LEARNING_RATE / (1 + LR_DECAY * step++);
      logits(model, x, p);
      softmaxInPlace(p);
      for (let k = 0; k < LABEL_COUNT; k++) {
        const g = p[k] - (k === y ? 1 : 0);
        model.b[k] -= lr * g;
        for (let i = 0; i < x.indices.length; i++) {
          const at = x.indices[i] * LABEL_COUNT + k;
          model.w[at] -= lr * (g * x.values[i] + L2 * model.w[at]);
        }
      }
    }
  }
  return model;
}

function logSoftmax(scores: Float64Array, temperature = 1): Float64Array {
  const out = new Float64Array(scores.length);
  let max = -Infinity;
  for (const s of scores) max = Math.max(max, s);
  let sum = 0;
  for (const s of scores) sum += Math.exp((s - max) / temperature);
  const logSum = Math.log(sum);
  for (let i = 0; i < scores.length; i++) out[i] = (scores[i] - max) / temperature - logSum;
  return out;
}

function nll(logProbs: Float64Array[], ys: number[]): number {
  let total = 0;
  for (let i = 0; i < ys.length; i++) total -= logProbs[i][ys[i]];
  return total / ys.length;
}

function accuracy(scores: Float64Array[], ys: number[]): number {
  let correct = 0;
  for (let i = 0; i < ys.length; i++) {
    let best = 0;
    for (let k = 1; k < LABEL_COUNT; k++) if (scores[i][k] > scores[i][best]) best = k;
    if (best === ys[i]) correct++;
  }
  return correct / ys.length;
}

function fold(id: string): number {
  return createHash('sha1').update(id).digest().readUInt32BE(0) % FOLDS;
}

function main(): void {
  const examples = loadIntentExamples(TRAIN_FILE);
  const rows: Row[] = examples.map((example) => {
    const features = extractFeatures(example.request);
    return {
      id: example.id,
      y: LABEL_INDEX[example.label],
      x: toSparseVector(featureHashes(features), BITS),
      heuristic: heuristicScores(features),
    };
  });
  const ys = rows.map((r) => r.y);
  console.log(`training split: ${rows.length} examples`);

  // 1. Heuristic temperature.
  let bestT = 1;
  let bestNll = Infinity;
  for (let t = 0.2; t <= 3.0001; t += 0.02) {
    const value = nll(
      rows.map((r) => logSoftmax(r.heuristic, t)),
      ys,
    );
    if (value < bestNll) {
      bestNll = value;
      bestT = Math.round(t * 100) / 100;
    }
  }
  console.log(
    `heuristic: accuracy ${(
      accuracy(
        rows.map((r) => r.heuristic),
        ys,
      ) * 100
    ).toFixed(
      1,
    )}%, fitted temperature ${bestT} (NLL ${bestNll.toFixed(3)}); in code: ${HEURISTIC_TEMPERATURE}`,
  );
  if (Math.abs(bestT - HEURISTIC_TEMPERATURE) > 0.05) {
    console.warn(
      `  -> set HEURISTIC_TEMPERATURE = ${bestT} in src/intent/heuristic.ts (the heuristic changed)`,
    );
  }
  const heuristicLog = rows.map((r) => logSoftmax(r.heuristic, HEURISTIC_TEMPERATURE));

  // 2. Out-of-fold model logits and the blend.
  const oof: Float64Array[] = new Array<Float64Array>(rows.length);
  for (let f = 0; f < FOLDS; f++) {
    const trainRows = rows.filter((r) => fold(r.id) !== f);
    const model = train(trainRows);
    rows.forEach((r, i) => {
      if (fold(r.id) === f) oof[i] = logits(model, r.x);
    });
  }
  const modelLog = oof.map((l) => logSoftmax(l));
  console.log(
    `model alone (out-of-fold): accuracy ${(accuracy(oof, ys) * 100).toFixed(1)}%, NLL ${nll(modelLog, ys).toFixed(3)}`,
  );
  let blend = { heuristic: 1, model: 0 };
  let blendNll = Infinity;
  for (let a = 0; a <= 2.5001; a += 0.05) {
    for (let b = 0; b <= 2.5001; b += 0.05) {
      const combined = rows.map((_, i) => {
        const s = new Float64Array(LABEL_COUNT);
        for (let k = 0; k < LABEL_COUNT; k++) s[k] = a * heuristicLog[i][k] + b * modelLog[i][k];
        return logSoftmax(s);
      });
      const value = nll(combined, ys);
      if (value < blendNll - 1e-9) {
        blendNll = value;
        blend = { heuristic: Math.round(a * 100) / 100, model: Math.round(b * 100) / 100 };
      }
    }
  }
  const blended = rows.map((_, i) => {
    const s = new Float64Array(LABEL_COUNT);
    for (let k = 0; k < LABEL_COUNT; k++)
      s[k] = blend.heuristic * heuristicLog[i][k] + blend.model * modelLog[i][k];
    return s;
  });
  console.log(
    `blend ${JSON.stringify(blend)} (out-of-fold): accuracy ${(accuracy(blended, ys) * 100).toFixed(1)}%, NLL ${blendNll.toFixed(3)}`,
  );

  // 3. Final model on the whole training split, quantised.
  const final = train(rows);
  let maxAbs = 0;
  for (const w of final.w) maxAbs = Math.max(maxAbs, Math.abs(w));
  const scale = maxAbs / 127 || 1;
  const quantised = new Int8Array(final.w.length);
  for (let i = 0; i < final.w.length; i++)
    quantised[i] = Math.max(-127, Math.min(127, Math.round(final.w[i] / scale)));
  const dataSha1 = createHash('sha1')
    .update(readFileSync(join(INTENT_DATA_DIR, TRAIN_FILE)))
    .digest('hex');
  const artifact: IntentModelArtifact = {
    format: 'modelmuxer-intent-linear/1',
    labels: [...INTENT_LABELS],
    bits: BITS,
    scale: Number(scale.toPrecision(8)),
    weights: Buffer.from(quantised.buffer).toString('base64'),
    bias: Array.from(final.b, (b) => Number(b.toPrecision(8))),
    blend,
    trainedOn: { examples: rows.length, sha1: dataSha1, epochs: EPOCHS, l2: L2, seed: SEED },
  };
  const text = `${JSON.stringify(artifact, null, 1)}\n`;
  writeFileSync(OUTPUT, text);
  console.log(
    `wrote ${OUTPUT} (${(text.length / 1024).toFixed(0)} KiB, ${1 << BITS} buckets × ${LABEL_COUNT} labels, int8)`,
  );
}

main();
