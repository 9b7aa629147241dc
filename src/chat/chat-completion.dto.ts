import {
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  getMetadataStorage,
  Matches,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { MODEL_NAME_PATTERN, MODEL_NAME_RULE } from '../common/model-name';

/**
 * Validation of the OpenAI chat-completions body's top-level fields (messages and tools, which
 * repeat, are checked element by element in chat-elements.ts); unknown fields are carried
 * through deliberately (the validated value handed to the controller is the client's plain
 * object, not this class — see ChatRequestPipe). Instances are built by `toChatRequestDto`
 * below, never by class-transformer: only known fields are copied, by reference, so a body's
 * unknown fields cost nothing. Size limits (messages, content parts, tools) are configurable
 * and checked by the pipe before this.
 */

function IsStopValue(): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'isStopValue',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: 'stop must be a string or an array of up to 4 strings' },
      validator: {
        validate: (value: unknown) =>
          value === null ||
          typeof value === 'string' ||
          (Array.isArray(value) && value.length <= 4 && value.every((item) => typeof item === 'string')),
      },
    });
  };
}

function IsToolChoice(): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'isToolChoice',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message:
          'tool_choice must be "none", "auto", "required" or {"type": "function", "function": {"name": "..."}}',
      },
      validator: {
        validate(value: unknown) {
          if (value === 'none' || value === 'auto' || value === 'required') return true;
          if (typeof value !== 'object' || value === null) return false;
          const choice = value as { type?: unknown; function?: { name?: unknown } };
          return choice.type === 'function' && typeof choice.function?.name === 'string';
        },
      },
    });
  };
}

export class JsonSchemaFormatDto {
  @Matches(/^[a-zA-Z0-9_-]{1,64}$/, { message: 'name must be 1-64 letters, digits, underscores or dashes' })
  name!: string;
  @IsOptional() @IsString() description?: string;
  @IsOptional() @IsObject() schema?: Record<string, unknown>;
  @IsOptional() @IsBoolean() strict?: boolean | null;
}

export class ResponseFormatDto {
  @IsIn(['text', 'json_object', 'json_schema']) type!: 'text' | 'json_object' | 'json_schema';
  @ValidateIf((format: ResponseFormatDto) => format.type === 'json_schema')
  @IsObject()
  @ValidateNested()
  json_schema?: JsonSchemaFormatDto;
}

export class StreamOptionsDto {
  @IsOptional() @IsBoolean() include_usage?: boolean;
}

export class ChatCompletionRequestDto {
  @IsOptional()
  @IsString()
  @MaxLength(256)
  @Matches(MODEL_NAME_PATTERN, { message: MODEL_NAME_RULE })
  model?: string;

  /** Each message is checked by chat-elements.ts (hand-written: class-validator costs ~40 µs per object). */
  @IsArray()
  @ArrayMinSize(1, { message: 'messages must contain at least one message' })
  messages!: unknown[];

  @IsOptional() @IsBoolean() stream?: boolean;
  @IsOptional() @IsObject() @ValidateNested() stream_options?: StreamOptionsDto | null;
  @IsOptional() @IsInt() @Min(1) max_tokens?: number | null;
  @IsOptional() @IsInt() @Min(1) max_completion_tokens?: number | null;
  @IsOptional() @IsNumber() @Min(0) @Max(2) temperature?: number | null;
  @IsOptional() @IsNumber() @Min(0) @Max(1) top_p?: number | null;
  @IsOptional() @IsInt() @Min(1) @Max(128) n?: number | null;
  @IsOptional() @IsStopValue() stop?: string | string[] | null;
  @IsOptional() @IsNumber() @Min(-2) @Max(2) presence_penalty?: number | null;
  @IsOptional() @IsNumber() @Min(-2) @Max(2) frequency_penalty?: number | null;
  @IsOptional() @IsInt() @Min(Number.MIN_SAFE_INTEGER) @Max(Number.MAX_SAFE_INTEGER) seed?: number | null;
  @IsOptional() @IsString() @MaxLength(256) user?: string;
  /** Each tool is checked by chat-elements.ts. */
  @IsOptional() @IsArray() tools?: unknown[];
  @IsOptional() @IsToolChoice() tool_choice?: unknown;
  @IsOptional() @IsBoolean() parallel_tool_calls?: boolean;
  @IsOptional() @IsObject() @ValidateNested() response_format?: ResponseFormatDto;
  @IsOptional() @IsBoolean() logprobs?: boolean | null;
  @IsOptional() @IsInt() @Min(0) @Max(20) top_logprobs?: number | null;
  @IsOptional() @IsObject() logit_bias?: Record<string, number> | null;
}

/* ---------------- building the DTO instances (no class-transformer) ---------------- */

interface DtoShape {
  dto: new () => object;
  /** Fields whose values are DTOs themselves (or arrays of them). */
  nested?: Record<string, DtoShape>;
}

const CHAT_REQUEST_SHAPE: DtoShape = {
  dto: ChatCompletionRequestDto,
  nested: {
    stream_options: { dto: StreamOptionsDto },
    response_format: { dto: ResponseFormatDto, nested: { json_schema: { dto: JsonSchemaFormatDto } } },
  },
};

const knownFieldsCache = new Map<new () => object, readonly string[]>();

/** The fields a DTO declares (every field carries at least one validation decorator). */
function knownFields(dto: new () => object): readonly string[] {
  let fields = knownFieldsCache.get(dto);
  if (!fields) {
    const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
    fields = [...new Set(metadata.map((entry) => entry.propertyName))];
    knownFieldsCache.set(dto, fields);
  }
  return fields;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toInstance(shape: DtoShape, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => toInstance(shape, item));
  if (!isPlainObject(value)) return value; // the validators say what is wrong with it
  const instance = new shape.dto() as Record<string, unknown>;
  for (const field of knownFields(shape.dto)) {
    if (!Object.hasOwn(value, field)) continue;
    const nested = shape.nested?.[field];
    instance[field] = nested ? toInstance(nested, value[field]) : value[field];
  }
  return instance;
}

/**
 * The DTO instance class-validator checks: known fields only, values shared with the client's
 * object (never deep-copied), nested DTOs built the same way. Linear in the known structure.
 */
export function toChatRequestDto(body: Record<string, unknown>): ChatCompletionRequestDto {
  return toInstance(CHAT_REQUEST_SHAPE, body) as ChatCompletionRequestDto;
}
