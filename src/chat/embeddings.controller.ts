import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { GatewayRequestState } from '../common/principal';
import { TenantConcurrency } from './tenant-concurrency';
import { EmbeddingRequestPipe } from './embedding-request.pipe';
import { EmbeddingsService } from './embeddings.service';
import type { EmbeddingRequest, EmbeddingResponse } from '../common/openai/embeddings.types';

type GatewayRequest = Request & GatewayRequestState;

/**
 * POST /v1/embeddings (OpenAI-compatible): a client route (the global ClientAuthGuard: API key,
 * per-key rate limit), tenant concurrency like chat.
 */
@Controller('v1')
export class EmbeddingsController {
  constructor(
    private readonly embeddings: EmbeddingsService,
    private readonly concurrency: TenantConcurrency,
  ) {}

  @Post('embeddings')
  @HttpCode(200)
  async create(
    @Body(EmbeddingRequestPipe) body: EmbeddingRequest,
    @Req() request: GatewayRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<EmbeddingResponse> {
    const release = this.concurrency.admit(request, false);
    response.once('close', release);
    const abort = new AbortController();
    response.once('close', () => {
      if (!response.writableFinished) abort.abort();
    });
    const result = await this.embeddings.create(body, {
      requestId: request.id,
      principal: request.principal!,
      startedAt: request.startedAt,
      signal: abort.signal,
    });
    for (const [name, value] of Object.entries(result.headers)) response.setHeader(name, value);
    return result.body;
  }
}
