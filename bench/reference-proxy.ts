import 'reflect-metadata';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Body, Controller, Get, HttpCode, Module, Post, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Response } from 'express';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';

/**
 * Reference proxies for the bench's feature breakdown: the least an HTTP gateway on this stack
 * does for a non-streaming chat completion — parse the client's JSON body, send it upstream with
 * undici, parse the upstream's JSON answer, answer with it — and nothing else (no key, tenant,
 * validation, intent, routing, budget, usage, metrics, log or trace). Their CPU per request is
 * the floor a gateway built on that stack cannot go under, measured on the same machine and load
 * as the gateway (bench/run.ts launches them beside it with `--breakdown`):
 *
 *   node-http     node:http + undici: the platform's floor.
 *   nest-express  NestJS on Express (the design card's stack: @nestjs/core + platform-express,
 *                 its JSON body parser, a controller): the framework's floor.
 *
 * Configured by the environment the bench gives a gateway: PORT, HOST, OPENAI_BASE_URL,
 * OPENAI_API_KEY, plus REFERENCE_KIND. Answers GET /health/ready for the bench's readiness wait.
 */

export type ReferenceKind = 'node-http' | 'nest-express';

export interface ReferenceConfig {
  kind: ReferenceKind;
  host: string;
  port: number;
  upstreamBaseUrl: string;
  upstreamKey: string;
}

export function referenceConfig(env: NodeJS.ProcessEnv): ReferenceConfig {
  const kind = env.REFERENCE_KIND ?? 'nest-express';
  if (kind !== 'node-http' && kind !== 'nest-express') {
    throw new Error(`REFERENCE_KIND must be node-http or nest-express, not ${kind}`);
  }
  if (!env.OPENAI_BASE_URL) throw new Error('OPENAI_BASE_URL is required');
  return {
    kind,
    host: env.HOST ?? '127.0.0.1',
    port: Number(env.PORT ?? 0),
    upstreamBaseUrl: env.OPENAI_BASE_URL.replace(/\/+$/, ''),
    upstreamKey: env.OPENAI_API_KEY ?? '',
  };
}

/** POST the JSON body upstream and return the status and parsed answer. */
async function forward(
  agent: Agent,
  config: ReferenceConfig,
  body: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await request(`${config.upstreamBaseUrl}/chat/completions`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${config.upstreamKey}` },
    body: JSON.stringify(body),
  });
  return { status: response.statusCode, json: await response.body.json() };
}

function upstreamError(error: unknown): { error: { message: string; type: string } } {
  return {
    error: { message: error instanceof Error ? error.message : String(error), type: 'upstream_error' },
  };
}

/* ------------------------------------------------------------------ node:http */

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startNodeHttpReference(config: ReferenceConfig, agent: Agent): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health/ready') return sendJson(res, 200, { status: 'ok' });
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      return sendJson(res, 404, { error: { message: 'not found', type: 'invalid_request_error' } });
    }
    readBody(req)
      .then((text) => forward(agent, config, JSON.parse(text) as unknown))
      .then(({ status, json }) => sendJson(res, status, json))
      .catch((error: unknown) => sendJson(res, 502, upstreamError(error)));
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  return server;
}

/* ------------------------------------------------------------------ NestJS + Express */

export async function startNestReference(
  config: ReferenceConfig,
  agent: Agent,
): Promise<NestExpressApplication> {
  @Controller()
  class ReferenceController {
    @Get('health/ready')
    ready(): { status: string } {
      return { status: 'ok' };
    }

    @Post('v1/chat/completions')
    @HttpCode(200)
    async chat(@Body() body: unknown, @Res({ passthrough: true }) res: Response): Promise<unknown> {
      const { status, json } = await forward(agent, config, body);
      res.status(status);
      return json;
    }
  }

  @Module({ controllers: [ReferenceController] })
  class ReferenceModule {}

  const app = await NestFactory.create<NestExpressApplication>(ReferenceModule, { logger: false });
  const http = app.getHttpAdapter().getInstance();
  http.disable('x-powered-by');
  http.set('etag', false); // as the gateway (src/bootstrap.ts)
  await app.listen(config.port, config.host);
  return app;
}

export interface RunningReference {
  /** The TCP port it listens on (PORT=0 lets the kernel choose). */
  port(): number;
  close(): Promise<void>;
}

export async function startReference(config: ReferenceConfig): Promise<RunningReference> {
  const agent = new Agent({ keepAliveTimeout: 30_000 });
  if (config.kind === 'node-http') {
    const server = await startNodeHttpReference(config, agent);
    return {
      port: () => (server.address() as AddressInfo).port,
      close: async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await agent.close();
      },
    };
  }
  const app = await startNestReference(config, agent);
  return {
    port: () => (app.getHttpServer().address() as AddressInfo).port,
    close: async () => {
      await app.close();
      await agent.close();
    },
  };
}

if (require.main === module) {
  startReference(referenceConfig(process.env))
    .then((reference) => {
      const stop = () => void reference.close().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
