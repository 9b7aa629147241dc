/**
 * Evaluates the semantic cache's matching (npm run eval:cache): for every labelled pair, would a
 * cached answer to `a` be served for `b`? Reports, per set, embedder and threshold, the hit rate
 * on paraphrases and the false-hit rate on near-misses, with and without the guards, and per
 * category at the default threshold. Two sets, reported separately:
 *
 * - `hand-written`: test/fixtures/cache-pairs/pairs.jsonl, the set the default threshold and the
 *   guards were fitted on;
 * - `paws-wiki-sample`: test/fixtures/cache-pairs/paws-wiki-dev-sample.jsonl, 2,000 pairs of
 *   Google's PAWS-Wiki (SOURCE-PAWS.md there): with the hand-written pairs, the set the default
 *   threshold is fitted on; the held-out check is the rest of the PAWS dev split (`--paws`).
 *
 *   npm run eval:cache                         the offline lexical embedder
 *   npm run eval:cache -- --paws dev.tsv       also a whole PAWS TSV (id, sentence1, sentence2, label)
 *   npm run eval:cache -- --json               machine-readable output
 */
import { join } from 'node:path';
import { DEFAULT_LEXICAL_THRESHOLD } from '../src/caching/semantic/defaults';
import { evaluateEmbedder, readPairs, readPawsTsv } from '../src/caching/semantic/evaluation';
import type { EmbedderEvaluation, LabelledPair } from '../src/caching/semantic/evaluation';
import { LexicalEmbedder } from '../src/caching/semantic/lexical-embedder';

const THRESHOLDS = [0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99];

function pct(value: number): string {
  return `${(value * 100).toFixed(1)}%`.padStart(7);
}

function print(name: string, result: EmbedderEvaluation): void {
  console.log(
    `\n== ${name}: ${result.embedder} (${result.positives} paraphrases, ${result.negatives} near-misses)`,
  );
  console.log(' threshold |  hit rate | false hits (guards) |  hit rate | false hits (no guards)');
  result.withGuards.forEach((guarded, i) => {
    const bare = result.withoutGuards[i];
    const mark = guarded.threshold === DEFAULT_LEXICAL_THRESHOLD ? ' <- default' : '';
    console.log(
      `   ${guarded.threshold.toFixed(2)}    | ${pct(guarded.hitRate)}  | ${pct(guarded.falseHitRate)} (${guarded.falseHits})`.padEnd(
        46,
      ) + ` | ${pct(bare.hitRate)}  | ${pct(bare.falseHitRate)} (${bare.falseHits})${mark}`,
    );
  });
  console.log(` near-misses vetoed by the guards: ${JSON.stringify(result.vetoes)}`);
  console.log(` paraphrases lost to the guards:   ${JSON.stringify(result.lostToGuards)}`);
  console.log(` by category at ${DEFAULT_LEXICAL_THRESHOLD} (hits / pairs, guards on; guards off):`);
  for (const [category, counts] of Object.entries(result.byCategory)) {
    console.log(`   ${category.padEnd(18)} ${counts.hits} / ${counts.pairs}; ${counts.hitsWithoutGuards}`);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const fixtures = join(__dirname, '..', 'test', 'fixtures', 'cache-pairs');
  const sets: Array<[string, LabelledPair[]]> = [
    ['hand-written', readPairs(join(fixtures, 'pairs.jsonl'))],
    ['paws-wiki-sample', readPairs(join(fixtures, 'paws-wiki-dev-sample.jsonl'))],
  ];
  const pawsAt = args.indexOf('--paws');
  if (pawsAt >= 0) sets.push(['paws', readPawsTsv(args[pawsAt + 1])]);
  const embedders = [new LexicalEmbedder()];
  const results: Record<string, EmbedderEvaluation> = {};
  for (const [name, pairs] of sets) {
    for (const embedder of embedders) {
      results[`${name}/${embedder.id}`] = await evaluateEmbedder(
        embedder,
        pairs,
        THRESHOLDS,
        DEFAULT_LEXICAL_THRESHOLD,
      );
    }
  }
  if (args.includes('--json')) {
    console.log(JSON.stringify(results, null, 2));
    return;
  }
  for (const [name, result] of Object.entries(results)) print(name, result);
}

void main();
