import { parseHeaders, parseOptions } from '../../bench/options';

describe('bench options', () => {
  it('has defaults that fit the 5-minute budget', () => {
    const options = parseOptions([], {});
    expect(options).toMatchObject({
      durationS: 3,
      rounds: 3,
      clusterRounds: 2,
      connections: [1, 16, 64],
      workers: [1, 2],
      soakS: 0,
      profileS: 0,
      breakdown: false,
      compare: null,
    });
    expect(options.databaseUrl).toBeUndefined();
  });

  it('reads flags, with --quick overridable by later flags', () => {
    const options = parseOptions(
      [
        '--quick',
        '--rounds',
        '2',
        '--connections',
        '1,8',
        '--workers',
        '1',
        '--soak',
        '300',
        '--profile',
        '15',
        '--breakdown',
      ],
      { DATABASE_URL: 'postgres://localhost/db', REDIS_URL: 'redis://localhost' },
    );
    expect(options).toMatchObject({
      durationS: 1,
      rounds: 2,
      clusterRounds: 1,
      connections: [1, 8],
      workers: [1],
      soakS: 300,
      profileS: 15,
      breakdown: true,
      databaseUrl: 'postgres://localhost/db',
      redisUrl: 'redis://localhost',
    });
  });

  it('takes the soak, profile and comparison target from the environment', () => {
    const options = parseOptions([], {
      BENCH_SOAK: '300',
      BENCH_PROFILE: '10',
      BENCH_BREAKDOWN: '1',
      BENCH_COMPARE_URL: 'http://127.0.0.1:8787/v1/chat/completions',
      BENCH_COMPARE_HEADERS: 'x-portkey-provider=openai,Authorization=Bearer sk-x',
      BENCH_COMPARE_PID: '1234',
    });
    expect(options.soakS).toBe(300);
    expect(options.profileS).toBe(10);
    expect(options.breakdown).toBe(true);
    expect(options.compare).toEqual({
      url: 'http://127.0.0.1:8787/v1/chat/completions',
      headers: { 'x-portkey-provider': 'openai', authorization: 'Bearer sk-x' },
      model: undefined,
      pid: 1234,
    });
  });

  it('refuses unknown flags and bad values with a message', () => {
    expect(() => parseOptions(['--fast'], {})).toThrow(/unknown option --fast/);
    expect(() => parseOptions(['--rounds', '0'], {})).toThrow(/--rounds/);
    expect(() => parseOptions(['--connections', '1,x'], {})).toThrow(/--connections/);
    expect(() => parseOptions(['--duration'], {})).toThrow(/needs a value/);
    expect(() => parseOptions([], { BENCH_SOAK: 'long' })).toThrow(/BENCH_SOAK/);
  });

  it('parses comparison headers as name=value pairs or JSON', () => {
    expect(parseHeaders('{"X-Api-Key": "abc"}')).toEqual({ 'x-api-key': 'abc' });
    expect(parseHeaders('a=1, b = 2')).toEqual({ a: '1', b: '2' });
    expect(parseHeaders(undefined)).toEqual({});
    expect(() => parseHeaders('novalue')).toThrow(/name=value/);
  });
});
