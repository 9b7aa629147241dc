import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pawsCategory, readPairs, readPawsTsv } from './evaluation';

const fixtures = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'cache-pairs');

describe('cache evaluation sets', () => {
  it('the committed PAWS sample parses: 2,000 distinct PAWS pairs, both labels, all three categories', () => {
    const pairs = readPairs(join(fixtures, 'paws-wiki-dev-sample.jsonl'));
    expect(pairs).toHaveLength(2000);
    expect(new Set(pairs.map((pair) => pair.id)).size).toBe(2000);
    const counts: Record<string, number> = {};
    for (const pair of pairs) {
      expect(typeof pair.a === 'string' && typeof pair.b === 'string' && pair.a && pair.b).toBeTruthy();
      expect(pair.category).toBe(pawsCategory(pair.a, pair.b, pair.label));
      counts[`${pair.label}/${pair.category}`] = (counts[`${pair.label}/${pair.category}`] ?? 0) + 1;
    }
    expect(Object.keys(counts).sort()).toEqual(['0/paws-nonparaphrase', '0/paws-swap', '1/paws-paraphrase']);
  });

  it('categorises PAWS pairs: same words reordered = swap', () => {
    expect(pawsCategory('Flights from New York to Florida .', 'flights from Florida to New York', 0)).toBe(
      'paws-swap',
    );
    expect(pawsCategory('Flights from New York to Florida', 'Flights from Florida to Boston', 0)).toBe(
      'paws-nonparaphrase',
    );
    expect(pawsCategory('A b', 'b a', 1)).toBe('paws-paraphrase');
  });

  it('reads a PAWS TSV with or without its header and CRLF endings, and refuses another file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paws-'));
    const withHeader = join(dir, 'a.tsv');
    writeFileSync(withHeader, 'id\tsentence1\tsentence2\tlabel\n1\tA b .\tB a .\t0\n');
    const crlf = join(dir, 'b.tsv');
    writeFileSync(crlf, '7\tA b .\tA b !\t1\r\n');
    expect(readPawsTsv(withHeader)).toEqual([
      { id: '1', a: 'A b .', b: 'B a .', label: 0, category: 'paws-swap' },
    ]);
    expect(readPawsTsv(crlf)).toEqual([
      { id: '7', a: 'A b .', b: 'A b !', label: 1, category: 'paws-paraphrase' },
    ]);
    const other = join(dir, 'c.tsv');
    writeFileSync(other, 'name\tvalue\n');
    expect(() => readPawsTsv(other)).toThrow(/not a PAWS TSV/);
  });
});
