import { readFileSync } from 'node:fs';
import { guardVeto, questionFacts } from './guards';
import type { GuardReason } from './guards';
import type { Embedder } from './semantic.types';

/** One labelled pair: 1 = the same question, 0 = a near-miss whose answer differs. */
export interface LabelledPair {
  a: string;
  b: string;
  label: 0 | 1;
  category: string;
  /** The pair's id in its source dataset (public pairs only). */
  id?: string;
}

export interface ThresholdResult {
  threshold: number;
  /** Share of the positive pairs that hit. */
  hitRate: number;
  /** Share of the near-miss pairs that hit (wrong answers). */
  falseHitRate: number;
  falseHits: number;
  hits: number;
}

export interface EmbedderEvaluation {
  embedder: string;
  positives: number;
  negatives: number;
  withGuards: ThresholdResult[];
  withoutGuards: ThresholdResult[];
  /** Near-misses the guards vetoed, by reason (at any similarity). */
  vetoes: Partial<Record<GuardReason, number>>;
  /** Positives the guards vetoed (lost hits), by reason. */
  lostToGuards: Partial<Record<GuardReason, number>>;
  /** Per category at the chosen threshold, with and without the guards. */
  byCategory: Record<string, { pairs: number; hits: number; hitsWithoutGuards: number }>;
}

/** Reads the JSONL fixture (test/fixtures/cache-pairs/pairs.jsonl). */
export function readPairs(file: string): LabelledPair[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LabelledPair);
}

/** Lower-cased words (letters and digits) of a sentence, punctuation dropped. */
function wordSet(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

/**
 * The category of a PAWS pair: `paws-paraphrase` (label 1), `paws-swap` (label 0 with exactly
 * the same words, only their order differs: the adversarial near-miss PAWS was built for) or
 * `paws-nonparaphrase` (any other label 0).
 */
export function pawsCategory(a: string, b: string, label: 0 | 1): string {
  if (label === 1) return 'paws-paraphrase';
  const left = wordSet(a);
  const right = wordSet(b);
  const same = left.size === right.size && [...left].every((word) => right.has(word));
  return same ? 'paws-swap' : 'paws-nonparaphrase';
}

/**
 * Reads a PAWS TSV (id, sentence1, sentence2, label; with or without the header line, LF or
 * CRLF), each pair categorised by pawsCategory.
 */
export function readPawsTsv(file: string): LabelledPair[] {
  const lines = readFileSync(file, 'utf8').replace(/\r/g, '').split('\n');
  if (lines[0]?.startsWith('id\tsentence1\tsentence2')) lines.shift();
  const rows = lines.filter((line) => line.trim() !== '').map((line) => line.split('\t'));
  const bad = rows.find((cols) => cols.length !== 4 || !/^[01]$/.test(cols[3].trim()));
  if (bad) throw new Error(`${file} is not a PAWS TSV (line: ${bad.join(' | ').slice(0, 80)})`);
  return rows.map(([id, a, b, raw]) => {
    const label = raw.trim() === '1' ? 1 : 0;
    return { id, a, b, label, category: pawsCategory(a, b, label) };
  });
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/**
 * Hit rate and false-hit rate per threshold, with and without the guards — what the cache
 * decides for `b` when `a` is cached in the same context.
 */
export async function evaluateEmbedder(
  embedder: Embedder,
  pairs: readonly LabelledPair[],
  thresholds: readonly number[],
  chosenThreshold: number,
): Promise<EmbedderEvaluation> {
  const texts = [...new Set(pairs.flatMap((pair) => [pair.a, pair.b]))];
  const vectors = new Map<string, Float32Array>();
  for (let at = 0; at < texts.length; at += 256) {
    const batch = texts.slice(at, at + 256);
    const { vectors: embedded } = await embedder.embed(batch);
    batch.forEach((text, i) => vectors.set(text, embedded[i]));
  }
  const scored = pairs.map((pair) => ({
    pair,
    similarity: dot(vectors.get(pair.a)!, vectors.get(pair.b)!),
    veto: guardVeto(questionFacts(pair.a), questionFacts(pair.b)),
  }));
  const positives = scored.filter((item) => item.pair.label === 1);
  const negatives = scored.filter((item) => item.pair.label === 0);
  const at = (threshold: number, guards: boolean): ThresholdResult => {
    const hit = (item: (typeof scored)[number]) =>
      item.similarity >= threshold && (!guards || item.veto === null);
    const hits = positives.filter(hit).length;
    const falseHits = negatives.filter(hit).length;
    return {
      threshold,
      hitRate: positives.length ? hits / positives.length : 0,
      falseHitRate: negatives.length ? falseHits / negatives.length : 0,
      hits,
      falseHits,
    };
  };
  const vetoes: Partial<Record<GuardReason, number>> = {};
  for (const item of negatives) if (item.veto) vetoes[item.veto] = (vetoes[item.veto] ?? 0) + 1;
  const lostToGuards: Partial<Record<GuardReason, number>> = {};
  for (const item of positives) if (item.veto) lostToGuards[item.veto] = (lostToGuards[item.veto] ?? 0) + 1;
  const byCategory: EmbedderEvaluation['byCategory'] = {};
  for (const item of scored) {
    const entry = (byCategory[item.pair.category] ??= { pairs: 0, hits: 0, hitsWithoutGuards: 0 });
    entry.pairs++;
    if (item.similarity < chosenThreshold) continue;
    entry.hitsWithoutGuards++;
    if (item.veto === null) entry.hits++;
  }
  return {
    embedder: embedder.id,
    positives: positives.length,
    negatives: negatives.length,
    withGuards: thresholds.map((threshold) => at(threshold, true)),
    withoutGuards: thresholds.map((threshold) => at(threshold, false)),
    vetoes,
    lostToGuards,
    byCategory,
  };
}
