import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
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
 * client's plain object, not this class — see ChatController's pipe).
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

export class FunctionCallDto {
  @IsString() name!: string;
  @IsString() arguments!: string;
}

export class ToolCallDto {
  @IsString() id!: string;
  @IsIn(['function']) type!: 'function';
  @ValidateNested() @Type(() => FunctionCallDto) function!: FunctionCallDto;
}

export class ChatMessageDto {
  @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` }) role!: (typeof ROLES)[number];
  @IsMessageContent() content!: unknown;
  @IsOptional() @IsString() name?: string;
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ToolCallDto)
  tool_calls?: ToolCallDto[];
  @ValidateIf((message: ChatMessageDto) => message.role === 'tool') @IsString() tool_call_id?: string;
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
  @ValidateNested() @Type(() => FunctionDefinitionDto) function!: FunctionDefinitionDto;
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
  @ValidateNested()
  @Type(() => JsonSchemaFormatDto)
  json_schema?: JsonSchemaFormatDto;
}

export class StreamOptionsDto {
  @IsOptional() @IsBoolean() include_usage?: boolean;
}

export class ChatCompletionRequestDto {
  @IsOptional() @IsString() @MaxLength(256) model?: string;

  @IsArray()
  @ArrayMinSize(1, { message: 'messages must contain at least one message' })
  @ArrayMaxSize(100_000)
  @ValidateNested({ each: true })
  @Type(() => ChatMessageDto)
  messages!: ChatMessageDto[];

  @IsOptional() @IsBoolean() stream?: boolean;
  @IsOptional() @ValidateNested() @Type(() => StreamOptionsDto) stream_options?: StreamOptionsDto | null;
  @IsOptional() @IsInt() @Min(1) max_tokens?: number | null;
  @IsOptional() @IsInt() @Min(1) max_completion_tokens?: number | null;
  @IsOptional() @IsNumber() @Min(0) @Max(2) temperature?: number | null;
  @IsOptional() @IsNumber() @Min(0) @Max(1) top_p?: number | null;
  @IsOptional() @IsInt() @Min(1) @Max(128) n?: number | null;
  @IsOptional() @IsStopValue() stop?: string | string[] | null;
  @IsOptional() @IsNumber() @Min(-2) @Max(2) presence_penalty?: number | null;
  @IsOptional() @IsNumber() @Min(-2) @Max(2) frequency_penalty?: number | null;
  @IsOptional() @IsInt() seed?: number | null;
  @IsOptional() @IsString() @MaxLength(256) user?: string;
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(128)
  @ValidateNested({ each: true })
  @Type(() => ToolDefinitionDto)
  tools?: ToolDefinitionDto[];
  @IsOptional() @IsToolChoice() tool_choice?: unknown;
  @IsOptional() @IsBoolean() parallel_tool_calls?: boolean;
  @IsOptional() @ValidateNested() @Type(() => ResponseFormatDto) response_format?: ResponseFormatDto;
  @IsOptional() @IsBoolean() logprobs?: boolean | null;
  @IsOptional() @IsInt() @Min(0) @Max(20) top_logprobs?: number | null;
  @IsOptional() @IsObject() logit_bias?: Record<string, number> | null;
}
