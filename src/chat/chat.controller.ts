import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ChatRequestPipe } from './chat-request.pipe';
import { callContext, type GatewayRequest } from './call-context';
import { ChatPipeline, type RouterExplanation } from './pipeline/chat-pipeline';
import type { ChatCompletionRequest } from '../common/openai/chat.types';
import { writeEventStream } from './sse-writer';
import { TenantConcurrency } from './tenant-concurrency';
import { AppConfig } from '../config/app-config';

/** The OpenAI-compatible chat API. Thin: one service call per route. */
@Controller('v1')
export class ChatController {
  constructor(
    private readonly chat: ChatPipeline,
    private readonly concurrency: TenantConcurrency,
    private readonly config: AppConfig,
  ) {}

  @Post('chat/completions')
  async create(
    @Body(ChatRequestPipe) body: ChatCompletionRequest,
    @Req() request: GatewayRequest,
    @Res() response: Response,
  ): Promise<void> {
    const stream = body.stream === true;
    // Given back when the response is over, however it ends (finished, failed, client gone).
    const release = this.concurrency.admit(request, stream);
    response.once('close', release);
    const context = callContext(request, response);
    if (stream) {
      const result = await this.chat.stream(body, context);
      await writeEventStream(response, result.headers, result.chunks, this.config.streamWriteStallMs);
      return;
    }
    const result = await this.chat.complete(body, context);
    for (const [name, value] of Object.entries(result.headers)) response.setHeader(name, value);
    response.status(200).json(result.body);
  }

  /** The routing decision for a chat-completions body, without calling any provider. */
  @Post('router/explain')
  @HttpCode(200)
  explain(
    @Body(ChatRequestPipe) body: ChatCompletionRequest,
    @Req() request: GatewayRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<RouterExplanation> {
    return this.chat.explain(body, callContext(request, response));
  }
}
