import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { estimatePromptTokens } from '../../common/token-estimator';
import { AppConfig } from '../../config/app-config';
import { callContext, type GatewayRequest } from '../call-context';
import { ChatPipeline } from '../pipeline/chat-pipeline';
import { writeEventStream } from '../sse-writer';
import { TenantConcurrency } from '../tenant-concurrency';
import { fromMessagesRequest } from './messages-request';
import { toMessagesResponse } from './messages-response';
import { messagesEvents, messagesSseFraming } from './messages-sse';
import { MessagesStreamEncoder } from './messages-stream';

/** The route prefix whose errors are rendered in Anthropic's shape (bootstrap marks it). */
export const MESSAGES_ROUTE_PREFIX = '/v1/messages';

/**
 * Anthropic's Messages API in (POST /v1/messages, /v1/messages/count_tokens): the body is
 * translated to the internal chat request, runs through the same pipeline as
 * /v1/chat/completions (policy, intent, routing, cache, budgets, usage, metrics) to any
 * provider, and the answer is translated back. router_metadata is an extra field of the message
 * (and of message_start / message_delta when streaming), plus the usual x-modelmuxer-* headers.
 */
@Controller('v1/messages')
export class MessagesController {
  constructor(
    private readonly chat: ChatPipeline,
    private readonly concurrency: TenantConcurrency,
    private readonly config: AppConfig,
  ) {}

  @Post()
  async create(
    @Body() body: unknown,
    @Req() request: GatewayRequest,
    @Res() response: Response,
  ): Promise<void> {
    const chatRequest = fromMessagesRequest(body, this.config.limits);
    const stream = chatRequest.stream === true;
    const release = this.concurrency.acquire(request.principal!.tenantId, stream);
    response.once('close', release);
    // The tenant policy may close /v1/messages (allowed_endpoints) apart from chat completions.
    const context = { ...callContext(request, response), endpoint: 'messages' as const };
    const model = chatRequest.model!;
    if (stream) {
      const result = await this.chat.stream(chatRequest, context);
      const encoder = new MessagesStreamEncoder(model, result.estimatedPromptTokens);
      await writeEventStream(
        response,
        result.headers,
        messagesEvents(result.chunks, encoder),
        this.config.streamWriteStallMs,
        messagesSseFraming(request.id),
      );
      return;
    }
    const result = await this.chat.complete(chatRequest, context);
    for (const [name, value] of Object.entries(result.headers)) response.setHeader(name, value);
    const message = toMessagesResponse(result.body, model);
    response.status(200).json({ ...message, router_metadata: result.body.router_metadata });
  }

  /** Anthropic's token counting: the gateway's estimate of the prompt (no provider call). */
  @Post('count_tokens')
  @HttpCode(200)
  countTokens(@Body() body: unknown): { input_tokens: number } {
    const chatRequest = fromMessagesRequest(body, this.config.limits, { countTokens: true });
    return { input_tokens: estimatePromptTokens(chatRequest) };
  }
}
