import { CircuitBreaker } from './circuit-breaker';

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures and refuses calls until resetMs', () => {
    const breaker = new CircuitBreaker(3, 1000);
    expect(breaker.recordFailure(breaker.acquire(0)!, 0)).toBeNull();
    expect(breaker.recordFailure(breaker.acquire(1)!, 1)).toBeNull();
    expect(breaker.isOpen(1)).toBe(false);
    expect(breaker.recordFailure(breaker.acquire(2)!, 2)).toBe('opened');
    expect(breaker.current).toBe('open');
    expect(breaker.isOpen(500)).toBe(true);
    expect(breaker.acquire(500)).toBeNull();
  });

  it('resets the count on success', () => {
    const breaker = new CircuitBreaker(2, 1000);
    breaker.recordFailure(breaker.acquire(0)!, 0);
    expect(breaker.recordSuccess(breaker.acquire(0)!)).toBeNull();
    expect(breaker.recordFailure(breaker.acquire(0)!, 0)).toBeNull();
    expect(breaker.current).toBe('closed');
  });

  it('half-opens after resetMs: one probe at a time; success closes', () => {
    const breaker = new CircuitBreaker(1, 1000);
    breaker.recordFailure(breaker.acquire(0)!, 0);
    expect(breaker.isOpen(1000)).toBe(false); // a probe may go
    expect(breaker.acquire(1000)).toBe('probe');
    expect(breaker.current).toBe('half_open');
    expect(breaker.isOpen(1001)).toBe(true);
    expect(breaker.acquire(1001)).toBeNull();
    expect(breaker.recordSuccess('probe')).toBe('closed');
    expect(breaker.acquire(1002)).toBe('normal');
  });

  it('re-opens for another resetMs when the probe fails', () => {
    const breaker = new CircuitBreaker(1, 1000);
    breaker.recordFailure(breaker.acquire(0)!, 0);
    breaker.recordFailure(breaker.acquire(1000)!, 1500);
    expect(breaker.current).toBe('open');
    expect(breaker.acquire(2400)).toBeNull();
    expect(breaker.acquire(2500)).toBe('probe');
  });

  it('lets another probe go when one ends without a verdict', () => {
    const breaker = new CircuitBreaker(1, 10);
    breaker.recordFailure(breaker.acquire(0)!, 0);
    expect(breaker.acquire(10)).toBe('probe');
    breaker.release('probe');
    expect(breaker.acquire(11)).toBe('probe');
  });

  it('ignores failures of calls let through before it opened', () => {
    const breaker = new CircuitBreaker(1, 1000);
    const late = breaker.acquire(0)!;
    breaker.recordFailure(breaker.acquire(0)!, 0);
    expect(breaker.recordFailure(late, 5)).toBeNull();
    expect(breaker.acquire(1000)).toBe('probe'); // still measured from the first opening
  });
});
