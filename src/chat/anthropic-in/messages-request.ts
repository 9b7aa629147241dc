import type {
  ChatCompletionRequest,
  ChatMessage,
  ContentPart,
  ToolCall,
  ToolChoice,
  ToolDefinition,
} from '../../common/openai/chat.types';
import {
  invalid,
  MAX_ID_LENGTH,
  optionalNumber,
  optionalPositiveInt,
  requireArray,
  requireObject,
  requireString,
  tooMany,
  TOOL_NAME,
  type Fields,
} from './messages-checks';
import { isModelName, MODEL_NAME_RULE } from '../../common/model-name';

/** The request-size limits of /v1/chat/completions, applied to the Messages body too. */
export interface MessagesLimits {
  chatMaxMessages: number;
  chatMaxContentParts: number;
  chatMaxTools: number;
}

/** Top-level fields of a Messages request this translation understands; any other is a 400. */
const KNOWN_FIELDS = new Set([
  'model',
  'messages',
  'max_tokens',
  'system',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'stop_sequences',
  'metadata',
  'tools',
  'tool_choice',
  'thinking',
]);

/** POST /v1/messages/count_tokens takes the prompt fields only (no max_tokens, no sampling). */
const COUNT_TOKENS_FIELDS = new Set(['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking']);

const IMAGE_MEDIA_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/**
 * Anthropic Messages request → the internal (OpenAI-shaped) chat request the pipeline runs.
 * Pure; validates as it goes (every problem is a 400 naming the parameter, never a 500):
 *   system (string or text blocks)    → a leading system message
 *   user text / image blocks          → a user message with text / image_url parts (base64
 *                                       sources become data: URLs)
 *   user tool_result blocks           → tool messages (before the user's other blocks), is_error
 *                                       prefixed "Error: " (OpenAI has no flag for it)
 *   assistant text / tool_use blocks  → assistant content / tool_calls (input → JSON arguments)
 *   assistant thinking blocks         → `thinking_blocks` on the assistant message (sent back to
 *                                       Anthropic targets; other providers never see them)
 *   tools / tool_choice               → function tools / auto, required, {function}, none
 *                                       (disable_parallel_tool_use → parallel_tool_calls: false)
 *   stop_sequences → stop; metadata.user_id → user; max_tokens, temperature, top_p as they are;
 *   top_k and thinking are carried as fields of the same name (Anthropic and LiteLLM targets use
 *   them; OpenAI drops `thinking`); cache_control hints are dropped.
 * Streams ask for usage (the message_delta event reports it).
 */
export function fromMessagesRequest(
  body: unknown,
  limits: MessagesLimits,
  options: { countTokens?: boolean } = {},
): ChatCompletionRequest {
  const fields = requireObject(body, 'body');
  const known = options.countTokens ? COUNT_TOKENS_FIELDS : KNOWN_FIELDS;
  for (const key of Object.keys(fields)) {
    if (!known.has(key)) throw invalid(key, 'Extra inputs are not permitted');
  }
  const model = requireString(fields.model, 'model', MAX_ID_LENGTH);
  if (model.length === 0) throw invalid('model', 'must not be empty');
  if (!isModelName(model)) throw invalid('model', MODEL_NAME_RULE);
  if (fields.max_tokens === undefined && !options.countTokens) throw invalid('max_tokens', 'Field required');
  const request: ChatCompletionRequest = {
    model,
    messages: [...systemMessages(fields.system), ...conversation(fields.messages, limits)],
    max_tokens: optionalPositiveInt(fields.max_tokens, 'max_tokens'),
  };
  if (fields.stream !== undefined && fields.stream !== null) {
    if (typeof fields.stream !== 'boolean') throw invalid('stream', 'must be a boolean');
    if (fields.stream) {
      request.stream = true;
      request.stream_options = { include_usage: true };
    }
  }
  samplingFields(fields, request);
  toolFields(fields, request, limits);
  thinkingField(fields, request);
  return request;
}

function samplingFields(fields: Fields, request: ChatCompletionRequest): void {
  const temperature = optionalNumber(fields.temperature, 'temperature', 0, 1);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optionalNumber(fields.top_p, 'top_p', 0, 1);
  if (topP !== undefined) request.top_p = topP;
  const topK = optionalPositiveInt(fields.top_k, 'top_k');
  if (topK !== undefined) request.top_k = topK;
  if (fields.stop_sequences !== undefined && fields.stop_sequences !== null) {
    const stops = requireArray(fields.stop_sequences, 'stop_sequences');
    if (stops.length > 0) {
      request.stop = stops.map((stop, i) => {
        const text = requireString(stop, `stop_sequences.${i}`, 1_000);
        if (text.length === 0) throw invalid(`stop_sequences.${i}`, 'must not be empty');
        return text;
      });
    }
  }
  if (fields.metadata !== undefined && fields.metadata !== null) {
    const metadata = requireObject(fields.metadata, 'metadata');
    for (const key of Object.keys(metadata)) {
      if (key !== 'user_id') throw invalid(`metadata.${key}`, 'Extra inputs are not permitted');
    }
    if (metadata.user_id !== undefined && metadata.user_id !== null) {
      request.user = requireString(metadata.user_id, 'metadata.user_id', MAX_ID_LENGTH);
    }
  }
}

function thinkingField(fields: Fields, request: ChatCompletionRequest): void {
  if (fields.thinking === undefined || fields.thinking === null) return;
  const thinking = requireObject(fields.thinking, 'thinking');
  if (thinking.type === 'disabled') {
    request.thinking = { type: 'disabled' };
    return;
  }
  if (thinking.type !== 'enabled') throw invalid('thinking.type', 'must be "enabled" or "disabled"');
  const budget = optionalPositiveInt(thinking.budget_tokens, 'thinking.budget_tokens');
  if (budget === undefined) throw invalid('thinking.budget_tokens', 'Field required');
  if (budget < 1024) throw invalid('thinking.budget_tokens', 'must be at least 1024');
  if (request.max_tokens != null && budget >= request.max_tokens) {
    throw invalid('thinking.budget_tokens', 'must be less than max_tokens');
  }
  request.thinking = { type: 'enabled', budget_tokens: budget };
}

function systemMessages(system: unknown): ChatMessage[] {
  if (system === undefined || system === null) return [];
  if (typeof system === 'string') return system.length > 0 ? [{ role: 'system', content: system }] : [];
  const blocks = requireArray(system, 'system');
  const texts: string[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const block = requireObject(blocks[i], `system.${i}`);
    if (block.type !== 'text') throw invalid(`system.${i}.type`, 'system blocks must be text blocks');
    texts.push(requireString(block.text, `system.${i}.text`));
  }
  const text = texts.join('\n\n');
  return text.length > 0 ? [{ role: 'system', content: text }] : [];
}

function conversation(value: unknown, limits: MessagesLimits): ChatMessage[] {
  const messages = requireArray(value, 'messages');
  if (messages.length === 0) throw invalid('messages', 'at least one message is required');
  if (messages.length > limits.chatMaxMessages) {
    throw tooMany('messages', limits.chatMaxMessages, 'messages', 'CHAT_MAX_MESSAGES');
  }
  const out: ChatMessage[] = [];
  for (let i = 0; i < messages.length; i++) {
    const message = requireObject(messages[i], `messages.${i}`);
    const where = `messages.${i}`;
    const content = message.content;
    if (Array.isArray(content) && content.length > limits.chatMaxContentParts) {
      throw tooMany(
        `${where}.content`,
        limits.chatMaxContentParts,
        'content blocks',
        'CHAT_MAX_CONTENT_PARTS',
      );
    }
    if (message.role === 'user') out.push(...userMessages(content, where));
    else if (message.role === 'assistant') out.push(assistantMessage(content, where, limits));
    else
      throw invalid(`${where}.role`, 'must be "user" or "assistant" (system goes in the top-level "system")');
  }
  return out;
}

function blocksOf(content: unknown, where: string): Fields[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  const blocks = requireArray(content, `${where}.content`);
  return blocks.map((block, j) => {
    const fields = requireObject(block, `${where}.content.${j}`);
    if (typeof fields.type !== 'string') throw invalid(`${where}.content.${j}.type`, 'Field required');
    return fields;
  });
}

function unsupportedBlock(type: string, where: string, allowed: string): never {
  throw invalid(`${where}.type`, `content block type "${type}" is not supported here (${allowed})`);
}

/** A user turn: its tool results first (as tool messages), then its text and images. */
function userMessages(content: unknown, where: string): ChatMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const blocks = blocksOf(content, where);
  if (blocks.length === 0) throw invalid(`${where}.content`, 'must not be empty');
  const tools: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  for (let j = 0; j < blocks.length; j++) {
    const block = blocks[j];
    const at = `${where}.content.${j}`;
    if (block.type === 'tool_result') tools.push(toolResultMessage(block, at));
    else if (block.type === 'text' || block.type === 'image') parts.push(contentPart(block, at));
    else unsupportedBlock(block.type as string, at, 'user turns take text, image and tool_result blocks');
  }
  return parts.length > 0 ? [...tools, { role: 'user', content: parts }] : tools;
}

function contentPart(block: Fields, at: string): ContentPart {
  if (block.type === 'text') return { type: 'text', text: requireString(block.text, `${at}.text`) };
  const source = requireObject(block.source, `${at}.source`);
  if (source.type === 'base64') {
    const mediaType = requireString(source.media_type, `${at}.source.media_type`, 64);
    if (!IMAGE_MEDIA_TYPES.has(mediaType)) {
      throw invalid(`${at}.source.media_type`, 'must be one of image/jpeg, image/png, image/gif, image/webp');
    }
    const data = requireString(source.data, `${at}.source.data`);
    if (!/^[A-Za-z0-9+/=\s]*$/.test(data)) throw invalid(`${at}.source.data`, 'must be base64');
    return { type: 'image_url', image_url: { url: `data:${mediaType};base64,${data}` } };
  }
  if (source.type === 'url') {
    const url = requireString(source.url, `${at}.source.url`, 8_192);
    if (!/^https?:\/\//i.test(url)) throw invalid(`${at}.source.url`, 'must be an http(s) URL');
    return { type: 'image_url', image_url: { url } };
  }
  throw invalid(`${at}.source.type`, 'image sources must be "base64" or "url"');
}

function toolResultMessage(block: Fields, at: string): ChatMessage {
  const id = requireString(block.tool_use_id, `${at}.tool_use_id`, MAX_ID_LENGTH);
  const isError = block.is_error === true;
  if (block.is_error !== undefined && typeof block.is_error !== 'boolean') {
    throw invalid(`${at}.is_error`, 'must be a boolean');
  }
  const prefix = isError ? 'Error: ' : '';
  const raw = block.content;
  if (raw === undefined || raw === null || typeof raw === 'string') {
    return { role: 'tool', tool_call_id: id, content: prefix + (raw ?? '') };
  }
  const parts = requireArray(raw, `${at}.content`).map((part, k) => {
    const fields = requireObject(part, `${at}.content.${k}`);
    if (fields.type !== 'text' && fields.type !== 'image') {
      unsupportedBlock(String(fields.type), `${at}.content.${k}`, 'tool results take text and image blocks');
    }
    return contentPart(fields, `${at}.content.${k}`);
  });
  if (isError) parts.unshift({ type: 'text', text: 'Error:' });
  return { role: 'tool', tool_call_id: id, content: parts };
}

function assistantMessage(content: unknown, where: string, limits: MessagesLimits): ChatMessage {
  if (typeof content === 'string') return { role: 'assistant', content };
  const blocks = blocksOf(content, where);
  let text = '';
  const calls: ToolCall[] = [];
  const thinking: Fields[] = [];
  for (let j = 0; j < blocks.length; j++) {
    const block = blocks[j];
    const at = `${where}.content.${j}`;
    if (block.type === 'text') text += requireString(block.text, `${at}.text`);
    else if (block.type === 'tool_use') calls.push(toolCall(block, at));
    else if (block.type === 'thinking' || block.type === 'redacted_thinking')
      thinking.push(thinkingBlock(block, at));
    else
      unsupportedBlock(block.type as string, at, 'assistant turns take text, tool_use and thinking blocks');
  }
  if (calls.length > limits.chatMaxTools) {
    throw tooMany(`${where}.content`, limits.chatMaxTools, 'tool_use blocks', 'CHAT_MAX_TOOLS');
  }
  const message: ChatMessage = { role: 'assistant', content: calls.length > 0 && text === '' ? null : text };
  if (calls.length > 0) message.tool_calls = calls;
  if (thinking.length > 0) message.thinking_blocks = thinking;
  return message;
}

function toolCall(block: Fields, at: string): ToolCall {
  const id = requireString(block.id, `${at}.id`, MAX_ID_LENGTH);
  const name = requireString(block.name, `${at}.name`, MAX_ID_LENGTH);
  const input = block.input === undefined ? {} : requireObject(block.input, `${at}.input`);
  return { id, type: 'function', function: { name, arguments: JSON.stringify(input) } };
}

function thinkingBlock(block: Fields, at: string): Fields {
  if (block.type === 'redacted_thinking') {
    return { type: 'redacted_thinking', data: requireString(block.data, `${at}.data`) };
  }
  return {
    type: 'thinking',
    thinking: requireString(block.thinking, `${at}.thinking`),
    signature: requireString(block.signature, `${at}.signature`),
  };
}

function toolFields(fields: Fields, request: ChatCompletionRequest, limits: MessagesLimits): void {
  if (fields.tools !== undefined && fields.tools !== null) {
    const tools = requireArray(fields.tools, 'tools');
    if (tools.length > limits.chatMaxTools)
      throw tooMany('tools', limits.chatMaxTools, 'tools', 'CHAT_MAX_TOOLS');
    if (tools.length > 0) request.tools = tools.map((tool, i) => toolDefinition(tool, `tools.${i}`));
  }
  if (fields.tool_choice === undefined || fields.tool_choice === null) return;
  const choice = requireObject(fields.tool_choice, 'tool_choice');
  request.tool_choice = toolChoice(choice);
  const disable = choice.disable_parallel_tool_use;
  if (disable !== undefined && typeof disable !== 'boolean') {
    throw invalid('tool_choice.disable_parallel_tool_use', 'must be a boolean');
  }
  if (disable === true && request.tools) request.parallel_tool_calls = false;
}

function toolDefinition(value: unknown, at: string): ToolDefinition {
  const tool = requireObject(value, at);
  if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') {
    throw invalid(
      `${at}.type`,
      `tool type "${String(tool.type)}" is not supported (Anthropic server tools run on Anthropic only; use client tools)`,
    );
  }
  const name = requireString(tool.name, `${at}.name`);
  if (!TOOL_NAME.test(name))
    throw invalid(`${at}.name`, 'must be 1-128 letters, digits, underscores or dashes');
  const schema = requireObject(tool.input_schema, `${at}.input_schema`);
  const definition: ToolDefinition = { type: 'function', function: { name, parameters: schema } };
  if (tool.description !== undefined && tool.description !== null) {
    definition.function.description = requireString(tool.description, `${at}.description`);
  }
  return definition;
}

function toolChoice(choice: Fields): ToolChoice {
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool': {
      const name = requireString(choice.name, 'tool_choice.name', MAX_ID_LENGTH);
      return { type: 'function', function: { name } };
    }
    default:
      throw invalid('tool_choice.type', 'must be one of "auto", "any", "tool", "none"');
  }
}
