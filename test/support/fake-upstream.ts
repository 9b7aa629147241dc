import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  anthropicErrorBody,
  anthropicMessage,
  anthropicStreamErrorEvent,
  anthropicStreamEvents,
  anthropicValidation,
} from './fake-upstream/anthropic-format';
import {
  mistralValidation,
  openAICompletion,
  openAIErrorBody,
  openAIStreamErrorEvent,
  openAIStreamEvents,
} from './fake-upstream/openai-format';
import { embeddingsReply } from './fake-upstream/embeddings-format';
import { IdSource, planReply } from './fake-upstream/reply';
import type { FakeFlavor, FakeScenario, FakeUpstreamOptions, RecordedRequest } from './fake-upstream/types';

export type {
  FakeFlavor,
  FakeScenario,
  FakeToolCall,
  FakeUpstreamOptions,
  FakeUsage,
  RecordedRequest,
} from './fake-upstream/types';

/**
 * A local fake of the four upstreams, over real HTTP (plain node:http, lean enough for load
 * tests). Paths:
 *   POST /openai/v1/chat/completions   (also /v1/chat/completions)   OpenAI
 *   POST /anthropic/v1/messages        (also /v1/messages)           Anthropic Messages
 *   POST /mistral/v1/chat/completions                                Mistral (strict validation)
 *   POST /litellm/v1/chat/completions  (also /litellm/chat/completions) LiteLLM proxy
 *   GET  /litellm/v1/models, /litellm/model/info   LiteLLM's model list and model info (setLiteLLMModels)
 *   POST /{openai,mistral,litellm}/v1/embeddings (also /v1/embeddings, /litellm/embeddings)
 * Scenarios inject failures (status + the provider's real error body, retry-after, resets,
 * hangs, delays, mid-stream errors) and shape answers (text, tool calls, JSON, usage).
 */
export interface FakeUpstream {
  /** e.g. http://127.0.0.1:43123 */
  url: string;
  /** Base URLs following each SDK's convention (what OPENAI_BASE_URL etc. should be). */
  baseUrls: Record<FakeFlavor, string>;
  /** Provider env vars (base URLs and dummy keys) for loadAppConfig(). */
  env(): Record<string, string>;
  /** Every request received (when options.record is not false). */
  requests: RecordedRequest[];
  /** Queues scenarios for the next matching requests (FIFO). */
  enqueue(...scenarios: FakeScenario[]): void;
  /** The scenario of requests no queued scenario matches. */
  setDefault(scenario: FakeScenario): void;
  /**
   * The models the fake LiteLLM proxy lists (GET /litellm/v1/models, and /litellm/model/info with
   * each model's `info` unless `modelInfo` is false: then /model/info answers 404, as on proxies
   * that do not expose it). Empty by default. Not cleared by reset().
   */
  setLiteLLMModels(models: Array<{ id: string; info?: Record<string, unknown> }>, modelInfo?: boolean): void;
  /** GET requests received for the LiteLLM model list and info, in order (paths). */
  modelListRequests: string[];
  /** Clears the queue, the default and the recorded requests. */
  reset(): void;
  /** TCP connections accepted so far (keep-alive checks). */
  connections(): number;
  /** Resolves when `predicate` holds (polled), rejects after timeoutMs. */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const ROUTES: Array<[string, FakeFlavor]> = [
  ['/openai/v1/chat/completions', 'openai'],
  ['/v1/chat/completions', 'openai'],
  ['/anthropic/v1/messages', 'anthropic'],
  ['/v1/messages', 'anthropic'],
  ['/mistral/v1/chat/completions', 'mistral'],
  ['/litellm/v1/chat/completions', 'litellm'],
  ['/litellm/chat/completions', 'litellm'],
];

/** Embeddings (Anthropic has none: its paths answer 404 like the real API's unknown URLs). */
const EMBEDDING_ROUTES: Array<[string, FakeFlavor]> = [
  ['/openai/v1/embeddings', 'openai'],
  ['/v1/embeddings', 'openai'],
  ['/mistral/v1/embeddings', 'mistral'],
  ['/litellm/v1/embeddings', 'litellm'],
  ['/litellm/embeddings', 'litellm'],
];

/** The header each provider names its response in. */
const REQUEST_ID_HEADER: Record<FakeFlavor, string> = {
  openai: 'x-request-id',
  anthropic: 'request-id',
  mistral: 'x-request-id',
  litellm: 'x-request-id',
};

const FAKE_KEYS: Record<FakeFlavor, string> = {
  openai: 'sk-fake-openai',
  anthropic: 'sk-ant-fake',
  mistral: 'fake-mistral-key',
  litellm: 'sk-fake-litellm',
};

function delay(ms: number | undefined): Promise<void> {
  return ms && ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () =>
      resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function hasCredentials(flavor: FakeFlavor, req: IncomingMessage): boolean {
  if (flavor === 'litellm') return true; // a proxy without master key accepts anything
  if (flavor === 'anthropic')
    return typeof req.headers['x-api-key'] === 'string' && req.headers['x-api-key'] !== '';
  return /^Bearer \S+/.test(req.headers.authorization ?? '');
}

export async function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const record = options.record !== false;
  const requireAuth = options.requireAuth !== false;
  const defaults = { completionTokens: options.completionTokens, chunkWords: options.chunkWords ?? 4 };
  const ids = new IdSource();
  const requests: RecordedRequest[] = [];
  let queue: Array<FakeScenario & { remaining: number }> = [];
  let fallback: FakeScenario = {};
  let responses = 0;

  function scenarioFor(flavor: FakeFlavor, model: unknown): FakeScenario {
    for (let i = 0; i < queue.length; i++) {
      const entry = queue[i];
      if (entry.flavor !== undefined && entry.flavor !== flavor) continue;
      if (entry.model !== undefined && entry.model !== model) continue;
      entry.remaining -= 1;
      if (entry.remaining <= 0) queue.splice(i, 1);
      return entry;
    }
    return fallback;
  }

  function errorResponse(
    flavor: FakeFlavor,
    res: ServerResponse,
    status: number,
    scenario: FakeScenario,
  ): void {
    const headers: Record<string, string> = { ...(scenario.headers ?? {}) };
    if (scenario.retryAfter !== undefined) {
      headers['retry-after'] = String(scenario.retryAfter);
      if (flavor === 'openai') headers['retry-after-ms'] = String(Math.round(scenario.retryAfter * 1000));
    }
    const body =
      scenario.errorBody !== undefined
        ? scenario.errorBody
        : flavor === 'anthropic'
          ? anthropicErrorBody(status, scenario)
          : openAIErrorBody(flavor, status, scenario);
    sendJson(res, status, body, headers);
  }

  async function writeStream(
    flavor: FakeFlavor,
    res: ServerResponse,
    events: string[],
    scenario: FakeScenario,
    chunkDelayMs: number | undefined,
  ): Promise<void> {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      ...(scenario.headers ?? {}),
    });
    const failAt = scenario.failAfterEvents;
    for (let i = 0; i < events.length; i++) {
      if (res.destroyed) return;
      if (failAt !== undefined && i === failAt) {
        const mode = scenario.failMode ?? 'error_event';
        if (mode === 'reset') {
          // Let what was written reach the client first: a mid-stream reset follows delivered chunks.
          await delay(10);
          res.socket?.destroy();
          return;
        }
        if (mode === 'stall') return; // keep the connection open, send nothing more
        res.end(
          flavor === 'anthropic'
            ? anthropicStreamErrorEvent(scenario.streamErrorMessage ?? 'Overloaded')
            : openAIStreamErrorEvent(
                scenario.streamErrorMessage ?? 'The server had an error while processing your request.',
              ),
        );
        return;
      }
      if (i > 0 && chunkDelayMs) await delay(chunkDelayMs);
      res.write(events[i]);
    }
    res.end();
  }

  async function handle(flavor: FakeFlavor, req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Every real provider names each response (OpenAI x-request-id, Anthropic request-id).
    const upstreamRequestId = `req_fake_${++responses}`;
    res.setHeader(REQUEST_ID_HEADER[flavor], upstreamRequestId);
    const raw = await readBody(req);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      sendJson(
        res,
        400,
        flavor === 'anthropic'
          ? anthropicErrorBody(400, { error: { message: 'invalid JSON' } })
          : openAIErrorBody(flavor, 400, { error: { message: 'invalid JSON' } }),
      );
      return;
    }
    const entry: RecordedRequest | null = record
      ? {
          flavor,
          method: req.method ?? 'POST',
          path: req.url ?? '',
          headers: req.headers,
          body,
          aborted: false,
          completed: false,
          upstreamRequestId,
        }
      : null;
    if (entry) {
      requests.push(entry);
      res.on('close', () => {
        if (res.writableFinished) entry.completed = true;
        else entry.aborted = true;
      });
    }
    const scenario = scenarioFor(flavor, body.model);
    const embeddings = EMBEDDING_ROUTES.some(([path]) => path === (req.url ?? '').split('?')[0]);
    if (scenario.reset) {
      req.socket.destroy();
      return;
    }
    if (scenario.hang) return;
    await delay(scenario.latencyMs ?? options.latencyMs);
    if (res.destroyed) return;
    if (scenario.raw) {
      res.writeHead(scenario.raw.status ?? 200, { 'content-type': scenario.raw.contentType });
      res.end(scenario.raw.body);
      return;
    }
    if (requireAuth && !hasCredentials(flavor, req)) return errorResponse(flavor, res, 401, {});
    if (scenario.status !== undefined && scenario.status >= 400)
      return errorResponse(flavor, res, scenario.status, scenario);
    if (embeddings) {
      const reply = embeddingsReply(flavor, body);
      return sendJson(res, reply.status, reply.body, scenario.headers);
    }
    if (flavor === 'mistral') {
      const invalid = mistralValidation(body);
      if (invalid) return sendJson(res, invalid.status, invalid.body);
    }
    if (flavor === 'anthropic') {
      const invalid = anthropicValidation(body);
      if (invalid) return sendJson(res, 400, invalid);
    }
    const plan = planReply(flavor, body, raw.length, scenario, defaults, ids);
    const created = Math.floor(Date.now() / 1000);
    const chunkDelayMs = scenario.chunkDelayMs ?? options.chunkDelayMs;
    if (body.stream === true) {
      const includeUsage =
        (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      const events =
        flavor === 'anthropic'
          ? anthropicStreamEvents(plan)
          : openAIStreamEvents(flavor, plan, created, includeUsage);
      await writeStream(flavor, res, events, scenario, chunkDelayMs);
      return;
    }
    sendJson(
      res,
      200,
      flavor === 'anthropic' ? anthropicMessage(plan) : openAICompletion(flavor, plan, created),
      scenario.headers,
    );
  }

  let litellmModels: Array<{ id: string; info?: Record<string, unknown> }> = [];
  let litellmModelInfo = true;
  const modelListRequests: string[] = [];

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && (path === '/litellm/v1/models' || path === '/litellm/model/info')) {
      modelListRequests.push(path);
      if (path === '/litellm/v1/models') {
        sendJson(res, 200, {
          object: 'list',
          data: litellmModels.map((model) => ({
            id: model.id,
            object: 'model',
            created: 0,
            owned_by: 'openai',
          })),
        });
      } else if (!litellmModelInfo) {
        sendJson(res, 404, { detail: 'Not Found' });
      } else {
        sendJson(res, 200, {
          data: litellmModels.map((model) => ({
            model_name: model.id,
            litellm_params: { model: model.id },
            model_info: model.info ?? {},
          })),
        });
      }
      return;
    }
    const route =
      ROUTES.find(([prefix]) => prefix === path) ?? EMBEDDING_ROUTES.find(([prefix]) => prefix === path);
    if (!route || req.method !== 'POST') {
      sendJson(res, 404, {
        error: {
          message: `Unknown request URL: ${req.method} ${path}`,
          type: 'invalid_request_error',
          param: null,
          code: 'unknown_url',
        },
      });
      return;
    }
    handle(route[1], req, res).catch((error: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, {
          error: { message: String(error), type: 'server_error', param: null, code: null },
        });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  let connections = 0;
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;
  const baseUrls: Record<FakeFlavor, string> = {
    openai: `${url}/openai/v1`,
    anthropic: `${url}/anthropic`,
    mistral: `${url}/mistral/v1`,
    litellm: `${url}/litellm`,
  };

  return {
    url,
    baseUrls,
    requests,
    env: () => ({
      OPENAI_BASE_URL: baseUrls.openai,
      OPENAI_API_KEY: FAKE_KEYS.openai,
      ANTHROPIC_BASE_URL: baseUrls.anthropic,
      ANTHROPIC_API_KEY: FAKE_KEYS.anthropic,
      MISTRAL_BASE_URL: baseUrls.mistral,
      MISTRAL_API_KEY: FAKE_KEYS.mistral,
      LITELLM_BASE_URL: baseUrls.litellm,
      LITELLM_API_KEY: FAKE_KEYS.litellm,
    }),
    connections: () => connections,
    modelListRequests,
    setLiteLLMModels: (models, modelInfo = true) => {
      litellmModels = models;
      litellmModelInfo = modelInfo;
    },
    enqueue: (...scenarios) => {
      for (const scenario of scenarios) queue.push({ ...scenario, remaining: scenario.times ?? 1 });
    },
    setDefault: (scenario) => {
      fallback = scenario;
    },
    reset: () => {
      queue = [];
      fallback = {};
      requests.length = 0;
    },
    waitFor: async (predicate, timeoutMs = 5_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error('fake upstream: condition not met in time');
        await delay(5);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/* Run standalone for benchmarks: `npx ts-node test/support/fake-upstream.ts --port 9000 --latency 20 --tokens 100`. */
if (require.main === module) {
  const arg = (name: string): number | undefined => {
    const at = process.argv.indexOf(`--${name}`);
    return at >= 0 ? Number(process.argv[at + 1]) : undefined;
  };
  void startFakeUpstream({
    port: arg('port') ?? 9000,
    latencyMs: arg('latency'),
    chunkDelayMs: arg('chunk-delay'),
    completionTokens: arg('tokens'),
    record: false,
  }).then((fake) => {
    console.log(`fake upstream listening on ${fake.url}`);
    console.log(
      Object.entries(fake.env())
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    );
  });
}
