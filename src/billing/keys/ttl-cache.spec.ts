import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  it('expires entries at their deadline', () => {
    const cache = new TtlCache<string>(10);
    cache.set('a', 'A', 1_000);
    expect(cache.get('a', 999)).toBe('A');
    expect(cache.get('a', 1_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('stays within its capacity, evicting the least recently used entry', () => {
    const cache = new TtlCache<number>(3);
    cache.set('a', 1, Infinity);
    cache.set('b', 2, Infinity);
    cache.set('c', 3, Infinity);
    expect(cache.get('a', 0)).toBe(1); // a is now the most recent
    cache.set('d', 4, Infinity);
    expect(cache.size).toBe(3);
    expect(cache.get('b', 0)).toBeUndefined();
    expect(cache.get('a', 0)).toBe(1);
    expect(cache.get('d', 0)).toBe(4);
  });

  it('replaces an entry without growing, and deletes by predicate', () => {
    const cache = new TtlCache<{ tenant: string }>(5);
    cache.set('k1', { tenant: 't1' }, Infinity);
    cache.set('k1', { tenant: 't1' }, Infinity);
    cache.set('k2', { tenant: 't2' }, Infinity);
    cache.set('k3', { tenant: 't1' }, Infinity);
    expect(cache.size).toBe(3);
    expect(cache.deleteWhere((v) => v.tenant === 't1')).toBe(2);
    expect(cache.get('k2', 0)).toEqual({ tenant: 't2' });
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
