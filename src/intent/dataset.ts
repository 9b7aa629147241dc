import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatCompletionRequest } from '../common/openai/chat.types';
import { isIntentLabel } from './intent.types';
import type { IntentLabel } from './intent.types';

/** One labelled example of test/fixtures/intent/*.jsonl (OpenAI request format). */
export interface IntentExample {
  id: string;
  label: IntentLabel;
  /** ISO 639-1 language of the last user turn's instruction (tagged when the data was built). */
  lang: string;
  request: ChatCompletionRequest;
}

/** Where the labelled data lives, relative to the repository root. */
export const INTENT_DATA_DIR = join('test', 'fixtures', 'intent');
/** Training split: the only file `npm run train:intent` reads. */
export const TRAIN_FILE = 'train.jsonl';
/** Held-out split (a fixed 28 % of ids by SHA-1, chosen before training): never trained on. */
export const HELDOUT_FILE = 'heldout.jsonl';

/** Parses JSONL text into validated examples; throws naming the line on a bad row. */
export function parseIntentJsonl(text: string, source = 'input'): IntentExample[] {
  const examples: IntentExample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.length === 0) continue;
    const row = JSON.parse(line) as {
      id?: unknown;
      label?: unknown;
      lang?: unknown;
      request?: { messages?: unknown };
    };
    if (
      typeof row.id !== 'string' ||
      !isIntentLabel(row.label) ||
      !row.request ||
      !Array.isArray(row.request.messages)
    ) {
      throw new Error(`${source}:${i + 1}: expected {"id", "label", "lang", "request": {"messages": [...]}}`);
    }
    const lang = typeof row.lang === 'string' ? row.lang : 'en';
    examples.push({ id: row.id, label: row.label, lang, request: row.request as ChatCompletionRequest });
  }
  return examples;
}

export function loadIntentExamples(file: string, rootDir = process.cwd()): IntentExample[] {
  const path = join(rootDir, INTENT_DATA_DIR, file);
  return parseIntentJsonl(readFileSync(path, 'utf8'), path);
}

/** The corpus built by `npm run data:intent` from public sources and hand-written rows. */
export const CORPUS_FILE = 'corpus.jsonl';
/** Outside check sets (public prompts never trained on; built by `npm run data:intent`). */
export const CHECKS_DIR = join(INTENT_DATA_DIR, 'checks');

/** Why a row is hard (reported separately by the evaluation). */
export type HardFlag = 'non-english' | 'misleading-keywords' | 'long-system-prompt' | 'last-turn-only';

/** One corpus row: a labelled request with the public source it came from. */
export interface CorpusRow {
  id: string;
  /** Source name (SOURCES.md): leave-one-source-out evaluation holds out one source at a time. */
  source: string;
  label: IntentLabel;
  lang: string;
  hard?: HardFlag[];
  /** For rows built from another source's row (compositions): that row, held out with it. */
  base?: { id: string; source: string };
  request: ChatCompletionRequest;
}

/** Parses the corpus JSONL (one CorpusRow per line); throws naming the line on a bad row. */
export function parseCorpusJsonl(text: string, origin = 'corpus'): CorpusRow[] {
  const rows: CorpusRow[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.length === 0) continue;
    const row = JSON.parse(line) as Partial<CorpusRow>;
    if (
      typeof row.id !== 'string' ||
      typeof row.source !== 'string' ||
      !isIntentLabel(row.label) ||
      !row.request ||
      !Array.isArray(row.request.messages)
    ) {
      throw new Error(
        `${origin}:${i + 1}: expected {"id", "source", "label", "request": {"messages": [...]}}`,
      );
    }
    rows.push({ ...row, lang: typeof row.lang === 'string' ? row.lang : 'en' } as CorpusRow);
  }
  return rows;
}

export function loadCorpus(rootDir = process.cwd()): CorpusRow[] {
  const path = join(rootDir, INTENT_DATA_DIR, CORPUS_FILE);
  return parseCorpusJsonl(readFileSync(path, 'utf8'), path);
}
