import { Injectable, PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ErrorCode, GatewayError } from '../common/errors';
import { validationErrorToGatewayError } from '../common/validation';
import { ChatCompletionRequestDto } from './chat-completion.dto';
import type { ChatCompletionRequest } from './chat.types';

/**
 * Validates a chat-completions body against ChatCompletionRequestDto and returns the client's
 * own object, so unknown fields are carried through to the adapters (which decide what to
 * forward) instead of being stripped.
 */
@Injectable()
export class ChatRequestPipe implements PipeTransform<unknown, ChatCompletionRequest> {
  transform(value: unknown): ChatCompletionRequest {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new GatewayError(ErrorCode.InvalidRequest, 'The request body must be a JSON object.');
    }
    const errors = validateSync(plainToInstance(ChatCompletionRequestDto, value), {
      forbidUnknownValues: false,
    });
    if (errors.length > 0) throw validationErrorToGatewayError(errors);
    return value as ChatCompletionRequest;
  }
}
