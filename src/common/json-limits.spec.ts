import { jsonLimitCrossed, JsonShapeLimits } from './json-limits';

const LIMITS: JsonShapeLimits = { maxDepth: 8, maxNodes: 50, maxKeys: 5 };
const check = (text: string, limits = LIMITS) => jsonLimitCrossed(Buffer.from(text), limits)?.kind ?? null;

describe('jsonLimitCrossed', () => {
  it('accepts bodies within the limits', () => {
    expect(check('{"messages":[{"role":"user","content":"hi"}],"n":1}')).toBeNull();
    expect(check('[[[[[[[[]]]]]]]]')).toBeNull(); // exactly 8 levels
  });

  it('reports nesting beyond maxDepth, before parsing', () => {
    expect(check('[[[[[[[[[]]]]]]]]]')).toBe('depth');
    expect(
      check('{"a":'.repeat(3_000) + '1' + '}'.repeat(3_000), { ...LIMITS, maxDepth: 64, maxNodes: 10_000 }),
    ).toBe('depth');
  });

  it('reports too many elements and too many keys in one object', () => {
    expect(check(`[${Array(60).fill(0).join(',')}]`)).toBe('nodes');
    expect(check('{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6}')).toBe('keys');
    // Keys are counted per object: six keys spread over two objects are fine.
    expect(check('{"a":1,"b":2,"c":{"d":4,"e":5,"f":6}}')).toBeNull();
  });

  it('ignores structure inside strings, escaped quotes included', () => {
    expect(check(JSON.stringify({ text: '[[[[[[[[[[{{{{{{{{,,,,,,:::::: \\" \\\\" "' }))).toBeNull();
    expect(check(JSON.stringify({ text: 'a\\'.repeat(1000) + '"[[[[[[[[[[[[' }))).toBeNull();
  });

  it('leaves invalid JSON to the parser', () => {
    expect(check('{"unterminated": "[[[[[[[[[[[')).toBeNull();
    expect(check(']]]]}}}}')).toBeNull();
  });
});
