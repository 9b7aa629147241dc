/**
 * Evaluates the intent classifier on the held-out split (npm run eval:intent): accuracy,
 * per-label precision/recall/F1, confusion matrix and calibration (reliability table, ECE),
 * for heuristic-only (basic) and heuristic + trained model (enhanced), then the latency of each
 * path on a ~2,000-token prompt.
 *
 *   npm run eval:intent              held-out split
 *   npm run eval:intent -- --train   training split (to compare; optimistic by construction)
 *   npm run eval:intent -- --errors  also list misclassified examples
 */
import { classifyEnhanced, classifyHeuristic } from '../src/intent/classifier';
import { HELDOUT_FILE, TRAIN_FILE, loadIntentExamples } from '../src/intent/dataset';
import { evaluatePredictions, formatReport } from '../src/intent/evaluation';
import type { ScoredPrediction } from '../src/intent/evaluation';
import { extractFeatures } from '../src/intent/features';
import { runIntentBenchmark } from '../src/intent/intent-benchmark';
import { loadLanguageDetector } from '../src/intent/language';
import { loadBundledIntentModel } from '../src/intent/model/bundled-model';

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const file = args.has('--train') ? TRAIN_FILE : HELDOUT_FILE;
  const examples = loadIntentExamples(file);
  const model = loadBundledIntentModel();
  const heuristic: ScoredPrediction[] = [];
  const enhanced: ScoredPrediction[] = [];
  for (const example of examples) {
    const features = extractFeatures(example.request);
    const h = classifyHeuristic(features);
    const e = classifyEnhanced(features, model);
    heuristic.push({ label: example.label, predicted: h.label, confidence: h.confidence });
    enhanced.push({ label: example.label, predicted: e.label, confidence: e.confidence });
    if (args.has('--errors') && (h.label !== example.label || e.label !== example.label)) {
      const last = example.request.messages[example.request.messages.length - 1];
      const text = typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content);
      console.log(
        `${example.id}: heuristic=${h.label}(${h.confidence.toFixed(2)}) enhanced=${e.label}(${e.confidence.toFixed(2)}) :: ${text.slice(0, 120).replace(/\s+/g, ' ')}`,
      );
    }
  }
  console.log(formatReport(`heuristic only (basic), ${file}`, evaluatePredictions(heuristic)));
  console.log();
  console.log(formatReport(`heuristic + trained model (enhanced), ${file}`, evaluatePredictions(enhanced)));
  console.log();
  const bench = runIntentBenchmark({ model, detectLanguage: await loadLanguageDetector() });
  for (const line of bench.lines) console.log(line);
}

void main();
