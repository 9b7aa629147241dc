import fc from 'fast-check';
import { pgJson, pgText, pgTextOrNull } from './pg-text';
import { isRowDataError, sqlState, writeRowByRow } from '../common/sql-errors';
import { isModelName } from '../common/model-name';

const withoutNul = (value: string) => value.replaceAll('\u0000', '\uFFFD');

/** The JSON value with every string, keys included, passed through `map`. */
function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [map(k), mapStrings(v, map)]));
  }
  return value;
}

describe('pgText', () => {
  it('replaces NUL and returns other strings unchanged (the same string)', () => {
    expect(pgText('a\u0000b\u0000')).toBe('a\uFFFDb\uFFFD');
    const plain = 'no nul \\u0000 here';
    expect(pgText(plain)).toBe(plain);
    expect(pgTextOrNull(null)).toBeNull();
    expect(pgTextOrNull(undefined)).toBeNull();
  });
});

describe('pgJson', () => {
  it('writes NUL in any string, key or nesting as U+FFFD and nothing else differently', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (value, text) => {
        const doc = { value, text, [text]: [text, { nested: text }] };
        const json = pgJson(doc);
        expect(json).not.toMatch(/(?:^|[^\\])(?:\\\\)*\\u0000/);
        expect(JSON.parse(json)).toEqual(mapStrings(JSON.parse(JSON.stringify(doc)), withoutNul));
      }),
      { numRuns: 500, seed: 20_261_203 },
    );
  });

  it('tells an escaped backslash before "u0000" from a NUL', () => {
    const value = ['\\u0000', '\\\u0000', '\\\\u0000', '\u0000\\'];
    expect(JSON.parse(pgJson(value))).toEqual(['\\u0000', '\\\uFFFD', '\\\\u0000', '\uFFFD\\']);
  });

  it('is linear on long runs of backslashes and NULs', () => {
    const hostile = '\\'.repeat(200_000) + '\u0000'.repeat(200_000);
    const parsed = JSON.parse(pgJson({ hostile })) as { hostile: string };
    expect(parsed.hostile).toBe(withoutNul(hostile));
  });

  it('writes undefined as null', () => {
    expect(pgJson(undefined)).toBe('null');
  });
});

describe('sqlState / isRowDataError', () => {
  it('reads the SQLSTATE from the driver error or TypeORM wrapper', () => {
    expect(sqlState({ code: '22021' })).toBe('22021');
    expect(sqlState({ driverError: { code: '23503' } })).toBe('23503');
    expect(sqlState({ code: 'ECONNREFUSED' })).toBeNull();
    expect(sqlState(new Error('x'))).toBeNull();
    expect(sqlState(null)).toBeNull();
  });

  it('is true for data and integrity errors only', () => {
    expect(isRowDataError({ code: '22021' })).toBe(true); // invalid byte sequence
    expect(isRowDataError({ code: '22P02' })).toBe(true); // invalid text representation
    expect(isRowDataError({ code: '23503' })).toBe(true); // foreign key
    expect(isRowDataError({ code: '57P01' })).toBe(false); // admin shutdown
    expect(isRowDataError({ code: '08006' })).toBe(false); // connection failure
    expect(isRowDataError({ code: '40P01' })).toBe(false); // deadlock
    expect(isRowDataError(new Error('Connection terminated unexpectedly'))).toBe(false);
  });
});

describe('isModelName', () => {
  it('accepts real model ids', () => {
    for (const id of [
      'gpt-4o-mini',
      'anthropic/claude-sonnet-4',
      'ft:gpt-4o-mini:org::abc123',
      'mistral-large@2411',
      'a b',
      '',
    ])
      expect(isModelName(id)).toBe(true);
  });

  it('refuses control and non-ASCII characters', () => {
    for (const id of ['gpt\u0000', 'gpt\r\nx: y', 'gpt\t', '\u007f', 'gpt-é', '模型', '🦜'])
      expect(isModelName(id)).toBe(false);
  });

  it('is linear on long hostile input', () => {
    expect(isModelName('a'.repeat(1_000_000) + '\u0000')).toBe(false);
  });
});

describe('writeRowByRow', () => {
  const dataError = Object.assign(new Error('invalid byte sequence'), { code: '22021' });
  const outage = new Error('Connection terminated unexpectedly');

  it('writes every row alone, reporting the refused ones, and stops where the database itself fails', async () => {
    const written: number[] = [];
    const refused: number[] = [];
    let current = -1;
    const write = async ([row]: number[]) => {
      current = row;
      if (row === 1) throw dataError;
      if (row === 3) throw outage;
      written.push(row);
    };
    const failure = await writeRowByRow(
      [0, 1, 2, 3, 4],
      write,
      () => undefined,
      () => refused.push(current),
    );
    expect(written).toEqual([0, 2]);
    expect(refused).toEqual([1]);
    expect(failure).toEqual({ index: 3, error: outage });
  });

  it('answers null when every row was written or refused', async () => {
    let count = 0;
    const failure = await writeRowByRow(
      ['a', 'b'],
      async ([row]) => {
        if (row === 'b') throw dataError;
      },
      () => count++,
      () => undefined,
    );
    expect(failure).toBeNull();
    expect(count).toBe(1);
  });
});
