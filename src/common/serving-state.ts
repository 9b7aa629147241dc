/**
 * Whether this process is draining: set on SIGTERM, before the server stops accepting. While it
 * is, /health/ready answers 503 (balancers stop sending new requests), responses ask clients to
 * close their keep-alive connection, and everything else is still served normally.
 */
export class ServingState {
  private drainingSince: number | null = null;

  get draining(): boolean {
    return this.drainingSince !== null;
  }

  /** Marks the process as draining (idempotent); returns false when it already was. */
  beginDraining(now = Date.now()): boolean {
    if (this.drainingSince !== null) return false;
    this.drainingSince = now;
    return true;
  }
}
