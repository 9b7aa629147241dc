import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { HostileCase } from './corpus';

/** What the gateway answered to one hostile case. */
export interface HostileResult {
  case: HostileCase;
  /** 0: no HTTP response (connection closed or failed). */
  status: number;
  contentType: string;
  body: string;
  ms: number;
  error?: string;
}

/** Why a result breaks the contract ("zero 5xx, every refusal a clear 4xx OpenAI error"), or null. */
export function contractProblem(result: HostileResult): string | null {
  const raw = result.case.raw !== undefined;
  if (result.status === 0) {
    // Malformed HTTP may legitimately end with the connection closed; anything else may not.
    return raw ? null : `no response (${result.error ?? 'closed'})`;
  }
  if (result.status >= 500) return `status ${result.status}: ${result.body.slice(0, 300)}`;
  if (result.status < 400 || result.case.method === 'HEAD') return null;
  if (!result.contentType.startsWith('application/json'))
    return `a ${result.status} that is not JSON (${result.contentType})`;
  let parsed: { error?: Record<string, unknown> };
  try {
    parsed = JSON.parse(result.body) as { error?: Record<string, unknown> };
  } catch {
    return `a ${result.status} with an unparsable body`;
  }
  const error = parsed.error;
  if (
    !error ||
    typeof error.message !== 'string' ||
    error.message.length === 0 ||
    typeof error.type !== 'string' ||
    !('param' in error) ||
    !('code' in error)
  ) {
    return `a ${result.status} without an OpenAI error object: ${result.body.slice(0, 200)}`;
  }
  return null;
}

const BODY_KEEP = 4_096;

function sendHttp(
  baseUrl: string,
  agent: Agent,
  item: HostileCase,
  timeoutMs: number,
  retried = false,
): Promise<HostileResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (status: number, contentType: string, body: string, error?: string) =>
      resolve({ case: item, status, contentType, body, ms: performance.now() - started, error });
    let req: ReturnType<typeof httpRequest>;
    try {
      req = httpRequest(
        new URL(item.path, baseUrl),
        {
          method: item.method,
          headers: item.headers,
          agent: retried ? false : agent,
          timeout: timeoutMs,
          insecureHTTPParser: false,
        },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            if (body.length < BODY_KEEP) body += chunk;
          });
          response.on('end', () =>
            done(response.statusCode ?? 0, String(response.headers['content-type'] ?? ''), body),
          );
          response.on('error', (error) => done(response.statusCode ?? 0, '', body, error.message));
        },
      );
    } catch (error) {
      // The client refused to send it (e.g. an invalid header value): not the gateway's doing.
      done(-1, '', '', (error as Error).message);
      return;
    }
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => {
      // A kept-alive socket the server closed as idle just as it was reused: Node's documented
      // race (not the gateway's doing) — send again once on a fresh connection.
      if (req.reusedSocket && error.code === 'ECONNRESET' && !retried) {
        resolve(sendHttp(baseUrl, agent, item, timeoutMs, true));
        return;
      }
      done(0, '', '', error.message);
    });
    req.end(item.body);
  });
}

function sendRaw(baseUrl: string, item: HostileCase, timeoutMs: number): Promise<HostileResult> {
  const url = new URL(baseUrl);
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let text = '';
    const finish = (error?: string) => {
      socket.destroy();
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      const split = text.indexOf('\r\n\r\n');
      const headerText = split >= 0 ? text.slice(0, split) : text;
      const contentType = /\r\ncontent-type: *([^\r\n]*)/i.exec(headerText)?.[1] ?? '';
      resolve({
        case: item,
        status: match ? Number(match[1]) : 0,
        contentType,
        body: split >= 0 ? text.slice(split + 4) : '',
        ms: performance.now() - started,
        error,
      });
    };
    socket.setTimeout(timeoutMs, () => finish('timeout'));
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
    });
    socket.on('end', () => finish());
    socket.on('error', (error) => finish(error.message));
    socket.write(item.raw!, () => socket.end());
  });
}

/** Sends every case with `concurrency` in flight; results in corpus order. */
export async function runCorpus(
  baseUrl: string,
  corpus: readonly HostileCase[],
  { concurrency = 8, timeoutMs = 30_000 } = {},
): Promise<HostileResult[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const results: HostileResult[] = new Array(corpus.length);
  let next = 0;
  const worker = async () => {
    while (next < corpus.length) {
      const index = next++;
      const item = corpus[index];
      results[index] = item.raw
        ? await sendRaw(baseUrl, item, timeoutMs)
        : await sendHttp(baseUrl, agent, item, timeoutMs);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return results;
}

/** Counts by HTTP status ("0" = no response, "-1" = not sent by the client library). */
export function countByStatus(results: readonly HostileResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of results) counts[result.status] = (counts[result.status] ?? 0) + 1;
  return counts;
}
