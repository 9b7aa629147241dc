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
  ValidationArguments,
} from 'class-validator';

/**
 * Validation of the OpenAI chat-completions body: the known fields are checked here; unknown
 * fields are carried through deliberately (the validated value handed to the controller is the
 * client's plain object, not this class — see ChatRequestPipe). Instances are built by
 * `toChatRequestDto` below, never by class-transformer: only known fields are copied, by
 * reference, so a body's unknown fields cost nothing. Size limits (messages, content parts,
 * tools) are configurable and checked by the pipe before this.
 */

const ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const;

function contentProblem(value: unknown, role: unknown, hasToolCalls: boolean): string | null {
  if (value === null || value === undefined) {
    return role === 'assistant' && hasToolCalls ? null : 'must be a string or an array of content parts';
  }
  if (typeof value === 'string') return null;
  if (!Array.isArray(value)) return 'must be a string or an array of content parts';
  if (value.length === 0 && role !== 'assistant') return 'must not be an empty array';
  for (let i = 0; i < value.length; i++) {
    const part = value[i] as Record<string, unknown> | null;
    if (typeof part !== 'object' || part === null || typeof part.type !== 'string') {
      return `part ${i} must be an object with a string "type"`;
    }
    if (part.type === 'text' && typeof part.text !== 'string')
      return `part ${i} (text) must have a string "text"`;
    if (part.type === 'image_url') {
      const image = part.image_url as Record<string, unknown> | null;
      if (
        typeof image !== 'object' ||
        image === null ||
        typeof image.url !== 'string' ||
        image.url.length === 0
      ) {
        return `part ${i} (image_url) must have "image_url": {"url": "<https or data URL>"}`;
      }
      if (!/^(https?:\/\/|data:image\/[\w.+-]+;base64,)/i.test(image.url)) {
        return `part ${i} (image_url) url must be an http(s) URL or a data:image/...;base64 URL`;
      }
    }
  }
  return null;
}

function IsMessageContent(): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'isMessageContent',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const message = args.object as ChatMessageDto;
          return contentProblem(value, message.role, Array.isArray(message.tool_calls)) === null;
        },
        defaultMessage(args: ValidationArguments) {
          const message = args.object as ChatMessageDto;
          return `content ${contentProblem(args.value, message.role, Array.isArray(message.tool_calls))}`;
        },
      },
    });
  };
}

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

/** Names and ids: generous, but bounded (they end up in logs, cache keys and upstream bodies). */
const MAX_NAME_LENGTH = 256;

export class FunctionCallDto {
  @IsString() @MaxLength(MAX_NAME_LENGTH) name!: string;
  @IsString() arguments!: string;
}

export class ToolCallDto {
  @IsString() @MaxLength(MAX_NAME_LENGTH) id!: string;
  @IsIn(['function']) type!: 'function';
  @IsObject() @ValidateNested() function!: FunctionCallDto;
}

export class ChatMessageDto {
  @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` }) role!: (typeof ROLES)[number];
  @IsMessageContent() content!: unknown;
  @IsOptional() @IsString() @MaxLength(MAX_NAME_LENGTH) name?: string;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) tool_calls?: ToolCallDto[];
  @ValidateIf((message: ChatMessageDto) => message.role === 'tool')
  @IsString()
  @MaxLength(MAX_NAME_LENGTH)
  tool_call_id?: string;
}

export class FunctionDefinitionDto {
  @Matches(/^[a-zA-Z0-9_-]{1,64}$/, { message: 'name must be 1-64 letters, digits, underscores or dashes' })
  name!: string;
  @IsOptional() @IsString() description?: string;
  @IsOptional() @IsObject() parameters?: Record<string, unknown>;
  @IsOptional() @IsBoolean() strict?: boolean | null;
}

export class ToolDefinitionDto {
  @IsIn(['function']) type!: 'function';
  @IsObject() @ValidateNested() function!: FunctionDefinitionDto;
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
  @IsOptional() @IsString() @MaxLength(256) model?: string;

  @IsArray()
  @ArrayMinSize(1, { message: 'messages must contain at least one message' })
  @ValidateNested({ each: true })
  messages!: ChatMessageDto[];

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
  @IsOptional() @IsArray() @ValidateNested({ each: true }) tools?: ToolDefinitionDto[];
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
    messages: {
      dto: ChatMessageDto,
      nested: { tool_calls: { dto: ToolCallDto, nested: { function: { dto: FunctionCallDto } } } },
    },
    stream_options: { dto: StreamOptionsDto },
    tools: { dto: ToolDefinitionDto, nested: { function: { dto: FunctionDefinitionDto } } },
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
