import { Inject, Injectable } from '@nestjs/common';
import { auditRoute, refusalDetails } from '../audit/audit-decisions';
import { AUDIT_RECORDER, type AuditRecorder } from '../audit/audit.types';
import { ErrorCode, GatewayError } from '../common/errors';
import type { GatewayRequestState } from '../common/principal';
import { AppConfig } from '../config/app-config';

/** What admit() needs of the request: the caller, and the route for the audit trail. */
type AdmittedRequest = GatewayRequestState & Parameters<typeof auditRoute>[0];

interface TenantLoad {
  requests: number;
  streams: number;
}

/**
 * Per-tenant caps on what is in flight on this replica (TENANT_MAX_IN_FLIGHT requests, of which
 * TENANT_MAX_STREAMS streams), so that one tenant — or one tenant's stalled clients — cannot hold
 * every upstream connection of a provider while other tenants wait. In memory and per replica
 * (no round trip): with N replicas a tenant may have N × the cap in flight.
 */
@Injectable()
export class TenantConcurrency {
  private readonly load = new Map<string, TenantLoad>();
  private readonly maxRequests: number;
  private readonly maxStreams: number;

  constructor(
    config: AppConfig,
    @Inject(AUDIT_RECORDER) private readonly audit: AuditRecorder,
  ) {
    this.maxRequests = config.billing.tenantMaxInFlight;
    this.maxStreams = config.billing.tenantMaxStreams;
  }

  /** acquire() for an authenticated request; a refusal is recorded in the audit trail. */
  admit(request: AdmittedRequest, stream: boolean): () => void {
    const principal = request.principal!;
    try {
      return this.acquire(principal.tenantId, stream);
    } catch (error) {
      this.audit.record({
        requestId: request.id,
        createdAt: new Date(),
        tenantId: principal.tenantId,
        apiKeyId: principal.keyId,
        route: auditRoute(request),
        decision: 'refused_rate_limit',
        policyId: null,
        policyVersion: null,
        modelBefore: null,
        modelAfter: null,
        details: refusalDetails(error as GatewayError),
      });
      throw error;
    }
  }

  /**
   * Takes a slot for a request (and a stream slot when `stream`), or throws a 429
   * concurrency_limit_exceeded. The returned function gives the slots back; calling it again
   * does nothing.
   */
  acquire(tenantId: string, stream: boolean): () => void {
    const load = this.load.get(tenantId) ?? { requests: 0, streams: 0 };
    if (this.maxRequests > 0 && load.requests >= this.maxRequests)
      throw limitError('requests', this.maxRequests);
    if (stream && this.maxStreams > 0 && load.streams >= this.maxStreams)
      throw limitError('streams', this.maxStreams);
    load.requests++;
    if (stream) load.streams++;
    this.load.set(tenantId, load);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      load.requests--;
      if (stream) load.streams--;
      if (load.requests === 0) this.load.delete(tenantId);
    };
  }

  /** What a tenant has in flight now (tests, diagnostics). */
  inFlight(tenantId: string): TenantLoad {
    const load = this.load.get(tenantId);
    return { requests: load?.requests ?? 0, streams: load?.streams ?? 0 };
  }
}

function limitError(what: 'requests' | 'streams', limit: number): GatewayError {
  return new GatewayError(
    ErrorCode.ConcurrencyLimited,
    `Too many concurrent ${what} for this tenant (at most ${limit} at once); retry when one has finished.`,
    { retryAfter: 1 },
  );
}
