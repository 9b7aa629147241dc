export type CircuitState = 'closed' | 'open' | 'half_open';

/** What acquire() grants: a normal call, or the single probe of a half-open circuit. */
export type CircuitPermit = 'normal' | 'probe';

/** A state change the owner reports (the circuit-open gauge). */
export type CircuitTransition = 'opened' | 'closed' | null;

/**
 * One provider+model's circuit breaker, a small state machine over an injected clock:
 * closed → (N consecutive failures) → open → (resetMs elapsed) → half_open: exactly one probe
 * goes through; its success closes the circuit, its failure re-opens it for another resetMs.
 */
export class CircuitBreaker {
  private state: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probing = false;

  constructor(
    private readonly threshold: number,
    private readonly resetMs: number,
  ) {}

  get current(): CircuitState {
    return this.state;
  }

  /** True when a call would be refused now (routers skip such targets). */
  isOpen(now: number): boolean {
    if (this.state === 'closed') return false;
    if (this.state === 'open') return now - this.openedAt < this.resetMs;
    return this.probing;
  }

  /** Permission for one upstream call, or null when the circuit refuses it. */
  acquire(now: number): CircuitPermit | null {
    if (this.state === 'closed') return 'normal';
    if (this.state === 'open') {
      if (now - this.openedAt < this.resetMs) return null;
      this.state = 'half_open';
    }
    if (this.probing) return null;
    this.probing = true;
    return 'probe';
  }

  recordSuccess(permit: CircuitPermit): CircuitTransition {
    if (permit === 'probe') this.probing = false;
    this.failures = 0;
    if (this.state === 'closed') return null;
    this.state = 'closed';
    return 'closed';
  }

  recordFailure(permit: CircuitPermit, now: number): CircuitTransition {
    if (permit === 'probe') {
      this.probing = false;
      this.state = 'open';
      this.openedAt = now;
      return null; // it was already counted as open
    }
    // A call let through before the circuit opened adds nothing once it is open.
    if (this.state !== 'closed') return null;
    this.failures += 1;
    if (this.failures < this.threshold) return null;
    this.state = 'open';
    this.openedAt = now;
    return 'opened';
  }

  /** The call ended without a verdict (client gone, or the request itself was bad). */
  release(permit: CircuitPermit): void {
    if (permit === 'probe') this.probing = false;
  }
}
