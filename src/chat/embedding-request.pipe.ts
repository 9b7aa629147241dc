import { Injectable, PipeTransform } from '@nestjs/common';
import { ErrorCode, GatewayError } from '../common/errors';
import type { EmbeddingRequest } from '../common/openai/embeddings.types';
import { isModelName, MODEL_NAME_RULE } from '../common/model-name';

/** OpenAI's own limit on items per request. */
export const EMBEDDING_MAX_ITEMS = 2048;

/** The input, normalised: a list of texts, or a list of token-id lists. */
export type NormalisedInput = { kind: 'text'; items: string[] } | { kind: 'tokens'; items: number[][] };

function invalid(param: string, message: string): GatewayError {
  return new GatewayError(ErrorCode.ValidationFailed, `Invalid value for '${param}': ${message}`, { param });
}

function isTokenId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 2 ** 31;
}

function tokenList(value: unknown, param: string): number[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid(param, 'a token list must not be empty.');
  for (let i = 0; i < value.length; i++) {
    if (!isTokenId(value[i])) throw invalid(`${param}[${i}]`, 'token ids are non-negative integers.');
  }
  return value as number[];
}

/**
 * `input` as OpenAI accepts it: a non-empty string, a list of non-empty strings, a list of
 * token ids, or a list of token-id lists; at most EMBEDDING_MAX_ITEMS items.
 */
export function normaliseEmbeddingInput(input: unknown): NormalisedInput {
  if (typeof input === 'string') {
    if (input.length === 0) throw invalid('input', 'must not be an empty string.');
    return { kind: 'text', items: [input] };
  }
  if (!Array.isArray(input)) {
    throw invalid('input', 'expected a string, a list of strings, or a list of token ids.');
  }
  if (input.length === 0) throw invalid('input', 'must not be an empty list.');
  if (input.length > EMBEDDING_MAX_ITEMS) {
    throw invalid('input', `at most ${EMBEDDING_MAX_ITEMS} items are accepted per request.`);
  }
  const first: unknown = input[0];
  if (typeof first === 'string') {
    for (let i = 0; i < input.length; i++) {
      const item: unknown = input[i];
      if (typeof item !== 'string')
        throw invalid(`input[${i}]`, 'every item of a text list must be a string.');
      if (item.length === 0) throw invalid(`input[${i}]`, 'must not be an empty string.');
    }
    return { kind: 'text', items: input as string[] };
  }
  if (typeof first === 'number') return { kind: 'tokens', items: [tokenList(input, 'input')] };
  if (Array.isArray(first)) {
    return { kind: 'tokens', items: input.map((item, i) => tokenList(item, `input[${i}]`)) };
  }
  throw invalid('input[0]', 'expected a string, a token id or a list of token ids.');
}

/**
 * Validates a /v1/embeddings body: model (required), input, encoding_format (float | base64),
 * dimensions (a positive integer; checked against the model by the service), user. Unknown
 * fields are ignored (not forwarded).
 */
@Injectable()
export class EmbeddingRequestPipe implements PipeTransform<unknown, EmbeddingRequest> {
  transform(value: unknown): EmbeddingRequest {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new GatewayError(ErrorCode.InvalidRequest, 'The request body must be a JSON object.');
    }
    const body = value as Record<string, unknown>;
    if (body.model === undefined || body.model === null) {
      throw new GatewayError(ErrorCode.InvalidRequest, "You must provide a model parameter ('model').", {
        param: 'model',
      });
    }
    if (typeof body.model !== 'string' || body.model.trim() === '') {
      throw invalid('model', 'expected a non-empty string.');
    }
    if (!isModelName(body.model)) throw invalid('model', `${MODEL_NAME_RULE}.`);
    if (body.input === undefined) {
      throw new GatewayError(ErrorCode.InvalidRequest, "Missing required parameter: 'input'.", {
        param: 'input',
      });
    }
    normaliseEmbeddingInput(body.input);
    const format = body.encoding_format;
    if (format !== undefined && format !== null && format !== 'float' && format !== 'base64') {
      throw invalid('encoding_format', "expected 'float' or 'base64'.");
    }
    const dimensions = body.dimensions;
    if (
      dimensions !== undefined &&
      dimensions !== null &&
      !(typeof dimensions === 'number' && Number.isInteger(dimensions) && dimensions >= 1)
    ) {
      throw invalid('dimensions', 'expected a positive integer.');
    }
    if (body.user !== undefined && body.user !== null && typeof body.user !== 'string') {
      throw invalid('user', 'expected a string.');
    }
    return body as EmbeddingRequest;
  }
}
