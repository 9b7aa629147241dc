/**
 * Draws the held-out PAWS sample of the semantic cache's evaluation
 * (test/fixtures/cache-pairs/paws-wiki-dev-sample.jsonl; see SOURCE-PAWS.md there):
 *
 *   npx ts-node --transpile-only scripts/sample-paws.ts dev.tsv [size=2000] [seed=13] > out.jsonl
 *
 * A seeded Fisher-Yates shuffle of the file's pairs (mulberry32), the first `size` kept in the
 * file's order, so the same input, size and seed always give the same sample.
 */
import { readPawsTsv } from '../src/caching/semantic/evaluation';

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function main(): void {
  const [file, size = '2000', seed = '13'] = process.argv.slice(2);
  if (!file) throw new Error('usage: sample-paws.ts dev.tsv [size] [seed]');
  const pairs = readPawsTsv(file);
  const random = mulberry32(Number(seed));
  const order = pairs.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const kept = order.slice(0, Number(size)).sort((x, y) => x - y);
  for (const i of kept) {
    const { id, a, b, label, category } = pairs[i];
    console.log(JSON.stringify({ id, a, b, label, category }));
  }
}

main();
