import { createHash } from 'node:crypto';
import { HELDOUT_FILE, TRAIN_FILE, loadIntentExamples, parseIntentJsonl } from './dataset';
import { INTENT_LABELS } from './intent.types';

/** The labelled data's own contract (issue 4): size, balance, languages, shapes, split rule. */
describe('intent dataset (test/fixtures/intent)', () => {
  const train = loadIntentExamples(TRAIN_FILE);
  const heldout = loadIntentExamples(HELDOUT_FILE);
  const all = [...train, ...heldout];

  it('has at least 700 examples and 100 per label', () => {
    expect(all.length).toBeGreaterThanOrEqual(700);
    for (const label of INTENT_LABELS)
      expect(all.filter((e) => e.label === label).length).toBeGreaterThanOrEqual(100);
  });

  it('is at least 15 % non-English', () => {
    expect(all.filter((e) => e.lang !== 'en').length / all.length).toBeGreaterThanOrEqual(0.15);
  });

  it('has system prompts and multi-turn conversations', () => {
    expect(all.filter((e) => e.request.messages.some((m) => m.role === 'system')).length).toBeGreaterThan(50);
    expect(
      all.filter((e) => e.request.messages.filter((m) => m.role === 'user').length > 1).length,
    ).toBeGreaterThan(50);
    for (const e of all) expect(e.request.messages.some((m) => m.role === 'user')).toBe(true);
  });

  it('keeps ids unique and the held-out split disjoint, chosen by the fixed SHA-1 rule', () => {
    const ids = all.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const inHeldout = (id: string) => BigInt(`0x${createHash('sha1').update(id).digest('hex')}`) % 100n < 28n;
    for (const e of heldout) expect(inHeldout(e.id)).toBe(true);
    for (const e of train) expect(inHeldout(e.id)).toBe(false);
    expect(heldout.length / all.length).toBeGreaterThan(0.25);
    expect(heldout.length / all.length).toBeLessThan(0.31);
  });

  it('rejects malformed rows with the line number', () => {
    expect(() => parseIntentJsonl('{"id":"a","label":"nope","request":{"messages":[]}}', 'x.jsonl')).toThrow(
      'x.jsonl:1',
    );
  });
});
