import { createHash } from 'node:crypto';
import type { FakeFlavor } from './types';

type Json = Record<string, unknown>;

/** Default vector length per upstream model (what the real models return). */
const DIMENSIONS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
  'mistral-embed': 1024,
  'codestral-embed-2505': 1536,
};
const SHORTENABLE = new Set(['text-embedding-3-small', 'text-embedding-3-large', 'codestral-embed-2505']);
const MISTRAL_FIELDS = new Set(['model', 'input', 'output_dimension', 'output_dtype', 'encoding_format']);

/** A deterministic unit vector for a text (sha256 counter-mode bytes → [-1, 1], normalised). */
export function fakeVector(text: string, dimensions: number): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block++) {
    const digest = createHash('sha256').update(`${block}\0${text}`).digest();
    for (let i = 0; i + 1 < digest.length && values.length < dimensions; i += 2) {
      values.push(digest.readUInt16LE(i) / 32_768 - 1);
    }
  }
  const norm = Math.sqrt(values.reduce((sum, value) => sum + value * value, 0)) || 1;
  return values.map((value) => Math.fround(value / norm));
}

function words(item: string | number[]): number {
  return typeof item === 'string' ? Math.max(1, item.split(/\s+/).filter(Boolean).length) : item.length;
}

function base64(vector: number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, i) => bytes.writeFloatLE(value, i * 4));
  return bytes.toString('base64');
}

function openAIInvalid(message: string, param: string): { status: number; body: Json } {
  return { status: 400, body: { error: { message, type: 'invalid_request_error', param, code: null } } };
}

/**
 * An embeddings answer in the flavor's wire format, or the error the real API gives:
 * OpenAI/LiteLLM `{object: "list", data: [{object, index, embedding}], model, usage}` honouring
 * encoding_format and `dimensions` (text-embedding-3 only); Mistral the same shape with an id,
 * `output_dimension` (codestral-embed only), text only, and 422 extra_forbidden on unknown fields.
 */
export function embeddingsReply(flavor: FakeFlavor, body: Json): { status: number; body: Json } {
  const model = String(body.model);
  const rawInput = body.input;
  const items: Array<string | number[]> =
    typeof rawInput === 'string'
      ? [rawInput]
      : Array.isArray(rawInput) && typeof rawInput[0] === 'number'
        ? [rawInput as number[]]
        : ((rawInput as Array<string | number[]>) ?? []);
  if (items.length === 0) return openAIInvalid("'$.input' is invalid.", 'input');
  let dimensions = DIMENSIONS[model] ?? 768;
  if (flavor === 'mistral') {
    const extra = Object.keys(body).filter((key) => !MISTRAL_FIELDS.has(key));
    if (extra.length > 0) {
      return {
        status: 422,
        body: {
          object: 'error',
          message: {
            detail: extra.map((key) => ({
              type: 'extra_forbidden',
              loc: ['body', key],
              msg: 'Extra inputs are not permitted',
              input: body[key],
            })),
          },
          type: 'invalid_request_message_error',
          param: null,
          code: null,
        },
      };
    }
    if (items.some((item) => typeof item !== 'string')) {
      return {
        status: 422,
        body: { object: 'error', message: 'input must be text', type: 'invalid_request_error' },
      };
    }
    if (body.output_dimension !== undefined) {
      if (!SHORTENABLE.has(model)) {
        return {
          status: 400,
          body: {
            object: 'error',
            message: `output_dimension is not supported for ${model}`,
            type: 'invalid_request_error',
          },
        };
      }
      dimensions = Number(body.output_dimension);
    }
  } else if (body.dimensions !== undefined) {
    if (!SHORTENABLE.has(model)) {
      return openAIInvalid('This model does not support specifying dimensions.', 'dimensions');
    }
    dimensions = Number(body.dimensions);
  }
  const asBase64 = flavor !== 'mistral' && body.encoding_format === 'base64';
  const data = items.map((item, index) => {
    const vector = fakeVector(typeof item === 'string' ? item : item.join(','), dimensions);
    return { object: 'embedding', index, embedding: asBase64 ? base64(vector) : vector };
  });
  const promptTokens = items.reduce((sum, item) => sum + words(item), 0);
  const usage: Json = { prompt_tokens: promptTokens, total_tokens: promptTokens };
  if (flavor === 'mistral') usage.completion_tokens = 0;
  const reply: Json = { object: 'list', data, model, usage };
  if (flavor === 'mistral') reply.id = 'embd-fake0123456789';
  return { status: 200, body: reply };
}
