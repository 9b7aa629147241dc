/**
 * The hand-written safety rule (safetyRuleFlags: jailbreak/injection, self-harm, severe, harmful
 * act with an asking structure and no defensive context) on the committed corpus, without any
 * training: per-source recall on safety_risk rows, recall by language, precision over every other
 * row, and false alarms on the XSTest-style look-alikes and on CoCoNot's contrasts.
 *
 *   npx ts-node --transpile-only scripts/intent-rule-report.ts [--fp] [--fn]
 *
 * `--fp` lists the flagged safe rows, `--fn` up to 20 missed English rows per source. The rule's
 * patterns were written by reading rows of this corpus, so these figures are in-sample for the
 * rule; eval:intent's leave-one-source-out figures hold the trained parts out of sample only.
 */
import { safetyRuleFlags } from '../src/intent/classifier';
import { loadCorpus } from '../src/intent/dataset';
import type { CorpusRow } from '../src/intent/dataset';
import { extractFeatures } from '../src/intent/features';
import { isContrastLookalike, isSafetyLookalike } from '../src/intent/training/lookalikes';

type Tally = Map<string, [number, number]>;

function count(tally: Tally, key: string, hit: boolean): void {
  const entry = tally.get(key) ?? [0, 0];
  entry[0] += hit ? 1 : 0;
  entry[1]++;
  tally.set(key, entry);
}

function lastText(row: CorpusRow): string {
  const last = row.request.messages[row.request.messages.length - 1];
  return JSON.stringify(last?.content ?? '').slice(0, 200);
}

function print(title: string, tally: Tally): number {
  console.log(title);
  let macro = 0;
  for (const [key, [hit, n]] of [...tally].sort((a, b) => b[1][1] - a[1][1])) {
    console.log(`  ${key.padEnd(24)} ${(hit / n).toFixed(3)} ${String(n).padStart(6)}`);
    macro += hit / n;
  }
  return macro / Math.max(1, tally.size);
}

function main(): void {
  const bySource: Tally = new Map();
  const byLang: Tally = new Map();
  const lookalikes: Tally = new Map();
  let falsePositives = 0;
  const lines: string[] = [];
  for (const row of loadCorpus()) {
    const hit = (safetyRuleFlags(extractFeatures(row.request)) & 2) !== 0;
    if (row.label === 'safety_risk') {
      count(bySource, row.source, hit);
      count(byLang, row.lang, hit);
      const missed = lines.filter((l) => l.startsWith(`FN ${row.source} `)).length;
      if (!hit && process.argv.includes('--fn') && row.lang === 'en' && missed < 20)
        lines.push(`FN ${row.source} ${lastText(row)}`);
      continue;
    }
    if (hit) falsePositives++;
    if (hit && process.argv.includes('--fp')) lines.push(`FP ${row.source} ${lastText(row)}`);
    if (isSafetyLookalike(row)) count(lookalikes, 'xstest-style look-alikes', hit);
    if (isContrastLookalike(row)) count(lookalikes, 'coconot contrasts', hit);
  }
  const macro = print('recall by held-out source (safety_risk rows)', bySource);
  print('recall by language', byLang);
  print('false alarms', lookalikes);
  let tp = 0;
  let positives = 0;
  for (const [hit, n] of bySource.values()) {
    tp += hit;
    positives += n;
  }
  console.log(
    `rule: recall ${(tp / positives).toFixed(3)}, per-source mean ${macro.toFixed(3)}, precision ${(tp / Math.max(1, tp + falsePositives)).toFixed(3)} (${falsePositives} safe rows flagged)`,
  );
  for (const line of lines) console.log(line);
}

main();
