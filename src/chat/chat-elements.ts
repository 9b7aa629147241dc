import { ErrorCode, GatewayError } from '../common/errors';

/**
 * Validation of the repeated parts of a chat-completions body — messages (with their content
 * parts and tool calls) and tool definitions — written by hand: class-validator costs ~40 µs of
 * CPU per nested object here, so 2,048 messages took ~80 ms; these checks take microseconds.
 * Errors read like the DTO's: "Invalid value for 'messages[0].role': must be one of …".
 */
export const ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const;
/** Names and ids: generous, but bounded (they end up in logs, cache keys and upstream bodies). */
export const MAX_NAME_LENGTH = 256;
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const IMAGE_URL = /^(https?:\/\/|data:image\/[\w.+-]+;base64,)/i;

type Fields = Record<string, unknown>;

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(param: string, text: string): GatewayError {
  return new GatewayError(ErrorCode.ValidationFailed, `Invalid value for '${param}': ${text}.`, { param });
}

/** Why `value` is not a bounded string, or null (undefined and null pass when optional). */
function stringProblem(value: unknown, optional: boolean): string | null {
  if (value === undefined || value === null) return optional ? null : 'must be a string';
  if (typeof value !== 'string') return 'must be a string';
  return value.length > MAX_NAME_LENGTH
    ? `must be shorter than or equal to ${MAX_NAME_LENGTH} characters`
    : null;
}

function partProblem(part: unknown, i: number): string | null {
  if (!isObject(part) || typeof part.type !== 'string')
    return `part ${i} must be an object with a string "type"`;
  if (part.type === 'text' && typeof part.text !== 'string')
    return `part ${i} (text) must have a string "text"`;
  if (part.type === 'image_url') {
    const image = part.image_url;
    if (!isObject(image) || typeof image.url !== 'string' || image.url.length === 0) {
      return `part ${i} (image_url) must have "image_url": {"url": "<https or data URL>"}`;
    }
    if (!IMAGE_URL.test(image.url)) {
      return `part ${i} (image_url) url must be an http(s) URL or a data:image/...;base64 URL`;
    }
  }
  return null;
}

export function contentProblem(value: unknown, role: unknown, hasToolCalls: boolean): string | null {
  if (value === null || value === undefined) {
    return role === 'assistant' && hasToolCalls ? null : 'must be a string or an array of content parts';
  }
  if (typeof value === 'string') return null;
  if (!Array.isArray(value)) return 'must be a string or an array of content parts';
  if (value.length === 0 && role !== 'assistant') return 'must not be an empty array';
  for (let i = 0; i < value.length; i++) {
    const problem = partProblem(value[i], i);
    if (problem) return problem;
  }
  return null;
}

function checkToolCall(call: unknown, at: string): void {
  if (!isObject(call)) throw invalid(at, 'must be an object');
  const id = stringProblem(call.id, false);
  if (id) throw invalid(`${at}.id`, id);
  if (call.type !== 'function') throw invalid(`${at}.type`, 'must be one of the following values: function');
  const fn = call.function;
  if (!isObject(fn)) throw invalid(`${at}.function`, 'must be an object');
  const name = stringProblem(fn.name, false);
  if (name) throw invalid(`${at}.function.name`, name);
  if (typeof fn.arguments !== 'string') throw invalid(`${at}.function.arguments`, 'must be a string');
}

function checkMessage(message: unknown, at: string): void {
  if (!isObject(message)) throw invalid(at, 'must be an object');
  const { role, tool_calls: calls } = message;
  if (!(ROLES as readonly unknown[]).includes(role))
    throw invalid(`${at}.role`, `must be one of ${ROLES.join(', ')}`);
  if (calls !== undefined && calls !== null) {
    if (!Array.isArray(calls)) throw invalid(`${at}.tool_calls`, 'must be an array');
    for (let i = 0; i < calls.length; i++) checkToolCall(calls[i], `${at}.tool_calls[${i}]`);
  }
  const content = contentProblem(message.content, role, Array.isArray(calls));
  if (content) throw invalid(`${at}.content`, content);
  const name = stringProblem(message.name, true);
  if (name) throw invalid(`${at}.name`, name);
  if (role === 'tool') {
    const id = stringProblem(message.tool_call_id, false);
    if (id) throw invalid(`${at}.tool_call_id`, id);
  }
}

function checkTool(tool: unknown, at: string): void {
  if (!isObject(tool)) throw invalid(at, 'must be an object');
  if (tool.type !== 'function') throw invalid(`${at}.type`, 'must be one of the following values: function');
  const fn = tool.function;
  if (!isObject(fn)) throw invalid(`${at}.function`, 'must be an object');
  if (typeof fn.name !== 'string' || !FUNCTION_NAME.test(fn.name)) {
    throw invalid(`${at}.function.name`, 'name must be 1-64 letters, digits, underscores or dashes');
  }
  if (fn.description !== undefined && fn.description !== null && typeof fn.description !== 'string') {
    throw invalid(`${at}.function.description`, 'must be a string');
  }
  if (fn.parameters !== undefined && fn.parameters !== null && !isObject(fn.parameters)) {
    throw invalid(`${at}.function.parameters`, 'must be an object');
  }
  if (fn.strict !== undefined && fn.strict !== null && typeof fn.strict !== 'boolean') {
    throw invalid(`${at}.function.strict`, 'must be a boolean value');
  }
}

/** Throws a 400 naming the first invalid message or tool (arrays themselves checked by the DTO). */
export function checkChatElements(body: Fields): void {
  const { messages, tools } = body;
  if (Array.isArray(messages))
    for (let i = 0; i < messages.length; i++) checkMessage(messages[i], `messages[${i}]`);
  if (Array.isArray(tools)) for (let i = 0; i < tools.length; i++) checkTool(tools[i], `tools[${i}]`);
}
