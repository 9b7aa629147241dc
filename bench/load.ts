import autocannon from 'autocannon';
import { request as httpRequest, Agent } from 'node:http';
import { SampleBuffer, summarize, type LatencyStats } from './stats';

/**
 * Load generation: autocannon (closed loop, N keep-alive connections) with latencies taken from
 * its per-response hrtime measurement (autocannon's own histogram rounds to whole
 * milliseconds, too coarse for sub-millisecond overheads), and the time to the first body
 * byte of each response (for streams: the first SSE event).
 */

export interface HttpTarget {
  /** Full URL of the chat-completions endpoint. */
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface LoadOptions {
  connections: number;
  durationS: number;
  /** Record time-to-first-body-byte per response. */
  ttfb: boolean;
}

export interface LoadResult {
  connections: number;
  durationS: number;
  requests2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  rps: number;
  latency: LatencyStats;
  ttfb: LatencyStats | null;
}

export interface LoadSamples {
  latency: SampleBuffer;
  ttfb: SampleBuffer | null;
}

/** The parts of autocannon's per-connection client that TTFB needs (not in its typings). */
interface ClientInternals {
  on(event: 'body', listener: () => void): void;
  on(event: 'response', listener: () => void): void;
  pipelinedRequests?: { peek(): { startTime: [number, number] } | undefined };
}

function msSince(start: [number, number]): number {
  const [s, ns] = process.hrtime(start);
  return s * 1e3 + ns / 1e6;
}

export function runLoad(
  target: HttpTarget,
  options: LoadOptions,
): Promise<{ result: LoadResult; samples: LoadSamples }> {
  const latency = new SampleBuffer(16_384);
  const ttfb = options.ttfb ? new SampleBuffer(16_384) : null;
  let non2xx = 0;
  const statuses = new Map<number, number>();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        method: 'POST',
        headers: target.headers,
        body: target.body,
        connections: options.connections,
        duration: options.durationS,
        timeout: 30,
        setupClient: ttfb
          ? (client) => {
              const internals = client as unknown as ClientInternals;
              let first = true;
              internals.on('body', () => {
                if (!first) return;
                first = false;
                const pending = internals.pipelinedRequests?.peek();
                if (pending) ttfb.push(msSince(pending.startTime));
              });
              internals.on('response', () => {
                first = true;
              });
            }
          : undefined,
      },
      (error, result) => {
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        const requests2xx = latency.length;
        if (non2xx > 0) {
          const counts = [...statuses.entries()].map(([status, n]) => `${status}×${n}`).join(', ');
          console.warn(`  ! ${non2xx} non-2xx responses from ${target.url} (${counts})`);
        }
        resolve({
          result: {
            connections: options.connections,
            durationS: result.duration,
            requests2xx,
            non2xx,
            errors: result.errors,
            timeouts: result.timeouts,
            rps: requests2xx / result.duration,
            latency: summarize(latency.values()),
            ttfb: ttfb ? summarize(ttfb.values()) : null,
          },
          samples: { latency, ttfb },
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latency.push(responseTime);
      else {
        non2xx++;
        statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
      }
    });
  });
}

/* ------------------------------------------------------------------ single requests */

export interface ProbeResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Time to the first body byte, ms. */
  ttfbMs: number;
  totalMs: number;
  /** Arrival time (ms since the request) and number of SSE events of each body chunk read. */
  arrivals: Array<{ atMs: number; events: number }>;
  /** Each complete SSE event's data and the time its last byte arrived. */
  events: Array<{ atMs: number; data: string }>;
}

/** One request with its timing, chunk by chunk (smoke checks and the stream flush check). */
export function probe(target: HttpTarget, agent?: Agent): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const url = new URL(target.url);
    const started = process.hrtime();
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: 'POST',
        agent,
        headers: { ...target.headers, 'content-length': Buffer.byteLength(target.body) },
      },
      (res) => {
        const arrivals: ProbeResult['arrivals'] = [];
        const events: ProbeResult['events'] = [];
        let body = '';
        let pending = '';
        let ttfbMs = Number.NaN;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const atMs = msSince(started);
          if (Number.isNaN(ttfbMs)) ttfbMs = atMs;
          body += chunk;
          pending += chunk;
          const complete = pending.split('\n\n');
          pending = complete.pop() ?? '';
          for (const event of complete) {
            const data = event
              .split('\n')
              .filter((line) => line.startsWith('data:'))
              .map((line) => line.slice(5).trimStart())
              .join('\n');
            events.push({ atMs, data });
          }
          arrivals.push({ atMs, events: complete.length });
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            ttfbMs,
            totalMs: msSince(started),
            arrivals,
            events,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(target.body);
  });
}

/**
 * What identifies a streamed event across direct and relayed streams (the gateway adds
 * router_metadata and drops the usage chunk the client did not ask for): its text delta and
 * finish reason, "usage" for a usage-only chunk, "done" for [DONE].
 */
export function eventSignature(data: string): string {
  if (data === '[DONE]') return 'done';
  try {
    const chunk = JSON.parse(data) as {
      choices?: Array<{ delta?: { content?: string | null; role?: string }; finish_reason?: string | null }>;
    };
    const choices = chunk.choices ?? [];
    if (choices.length === 0) return 'usage';
    return choices
      .map((c) => `${c.delta?.role ?? ''}|${c.delta?.content ?? ''}|${c.finish_reason ?? ''}`)
      .join(';');
  } catch {
    return `raw:${data}`;
  }
}

export interface ArrivalComparison {
  /** Events found in both streams. */
  matched: number;
  /** Separate socket reads that carried the matched events (1 = everything arrived at once). */
  directDeliveries: number;
  gatewayDeliveries: number;
  /** The largest delay of a relayed event behind the same event received directly (after the first). */
  maxLagMs: number;
}

/**
 * Whether a stream was relayed event by event: with the upstream pausing between events, each
 * event must reach the client when it arrives (a buffering proxy delivers them in one burst at
 * the end). Events are matched by signature in order; times are relative to each stream's
 * first matched event, so the gateway's overhead before its first byte (reported as TTFB)
 * does not count here.
 */
export function compareArrivals(direct: ProbeResult, gateway: ProbeResult): ArrivalComparison {
  const pairs: Array<[number, number]> = [];
  let j = 0;
  for (const event of gateway.events) {
    const signature = eventSignature(event.data);
    let k = j;
    while (k < direct.events.length && eventSignature(direct.events[k].data) !== signature) k++;
    if (k === direct.events.length) continue;
    pairs.push([direct.events[k].atMs, event.atMs]);
    j = k + 1;
  }
  let maxLagMs = 0;
  for (const [d, g] of pairs) maxLagMs = Math.max(maxLagMs, g - pairs[0][1] - (d - pairs[0][0]));
  return {
    matched: pairs.length,
    directDeliveries: new Set(pairs.map(([d]) => d)).size,
    gatewayDeliveries: new Set(pairs.map(([, g]) => g)).size,
    maxLagMs,
  };
}
