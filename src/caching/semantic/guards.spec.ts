import { join } from 'node:path';
import { guardVeto, questionFacts } from './guards';
import { readPairs } from './evaluation';

const veto = (a: string, b: string) => guardVeto(questionFacts(a), questionFacts(b));

describe('semantic cache guards', () => {
  it.each([
    ['Is it safe to eat raw eggs?', 'Is it not safe to eat raw eggs?', 'negation'],
    ['Why do cats purr?', "Why don't cats purr?", 'negation'],
    ['How do I make bread with yeast?', 'How do I make bread without yeast?', 'negation'],
    ['Convert 5 kilometers to miles.', 'Convert 50 kilometers to miles.', 'number'],
    ['Install Python 3.11', 'Install Python 3.12', 'number'],
    ['Explain the first law of thermodynamics.', 'Explain the second law of thermodynamics.', 'number'],
    ['What is on my calendar today?', 'What is on my calendar tomorrow?', 'date'],
    ['What is the capital of France?', 'What is the capital of Spain?', 'entity'],
    ['How many grams are in a pound?', 'How many grams are in an ounce?', 'unit'],
    ['Convert 100 degrees Fahrenheit to Celsius.', 'Convert 100 degrees Celsius to Fahrenheit.', 'order'],
    ['Flights from New York to Florida', 'Flights from Florida to New York', 'order'],
    ['Is Python faster than Java?', 'Is Java faster than Python?', 'order'],
    ['How much does Alice owe Bob?', 'How much does Bob owe Alice?', 'order'],
    // Roles exchanged around a word that stays (no relation word such as "to" or "than").
    ['Why did Sparta defeat Athens?', 'Why did Athens defeat Sparta?', 'order'],
    [
      'Should the manager approve the plan the analyst drafted?',
      'Should the analyst approve the plan the manager drafted?',
      'order',
    ],
    ['How do I enable dark mode?', 'How do I disable dark mode?', 'antonym'],
    ['Sort the list in ascending order.', 'Sort the list in descending order.', 'antonym'],
  ])('vetoes %j vs %j (%s), in both directions', (a, b, reason) => {
    expect(veto(a, b)).toBe(reason);
    expect(veto(b, a)).not.toBeNull();
  });

  it.each([
    ['What is the capital of France?', 'what is the capital of france'],
    ['How do I reset my password?', 'Please tell me how I can reset my password.'],
    ['Who wrote Pride and Prejudice?', 'who wrote pride and prejudice please'],
    ['How do I merge two dictionaries in Python?', 'How do I merge 2 dictionaries in Python?'],
    ['Is it not safe?', 'Is it never safe?'],
    // A phrase moved to the other end (adjacent segments exchanged) is how paraphrases reorder.
    ['In 2019, what was the revenue of Apple?', 'What was the revenue of Apple in 2019?'],
    ['Briefly explain recursion with an example.', 'With an example, briefly explain recursion.'],
  ])('lets paraphrases through: %j vs %j', (a, b) => {
    expect(veto(a, b)).toBeNull();
  });

  it('checks a role swap in bounded time on long questions', () => {
    const words = Array.from({ length: 5_000 }, (_, i) => `w${i.toString(36)}x`);
    const swapped = [...words];
    [swapped[10], swapped[4_000]] = [swapped[4_000], swapped[10]];
    // The differing window is far longer than the checked one: not vetoed for order, and fast.
    expect(veto(words.join(' '), swapped.join(' '))).not.toBe('order');
    const short = words.slice(0, 40);
    const shortSwapped = [...short];
    [shortSwapped[3], shortSwapped[30]] = [shortSwapped[30], shortSwapped[3]];
    expect(veto(short.join(' '), shortSwapped.join(' '))).toBe('order');
  });

  it('vetoes every near-miss of the negation, number and entity suites, and no paraphrase', () => {
    const pairs = readPairs(
      join(__dirname, '..', '..', '..', 'test', 'fixtures', 'cache-pairs', 'pairs.jsonl'),
    );
    for (const pair of pairs) {
      const reason = veto(pair.a, pair.b);
      if (pair.label === 1) expect({ pair, reason }).toEqual({ pair, reason: null });
      else if (['negation', 'number', 'entity'].includes(pair.category)) {
        expect({ pair, vetoed: reason !== null }).toEqual({ pair, vetoed: true });
      }
    }
  });
});
