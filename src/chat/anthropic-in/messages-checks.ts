import { ErrorCode, GatewayError } from '../../common/errors';

/**
 * Small checks shared by the inbound Messages translators. Every failure is a 400
 * (invalid_request_error) naming the parameter, like Anthropic's own messages
 * ("messages.0.content.1.source: Field required").
 */

export type Fields = Record<string, unknown>;

export function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function invalid(param: string, text: string): GatewayError {
  return new GatewayError(ErrorCode.InvalidRequest, `${param}: ${text}`, { param });
}

/** Names and ids: generous, but bounded (they end up in logs, cache keys and upstream bodies). */
export const MAX_ID_LENGTH = 256;
/** Anthropic's tool-name rule. */
export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

export function requireString(value: unknown, param: string, maxLength = Infinity): string {
  if (typeof value !== 'string') throw invalid(param, 'must be a string');
  if (value.length > maxLength) throw invalid(param, `must be at most ${maxLength} characters`);
  return value;
}

export function requireObject(value: unknown, param: string): Fields {
  if (!isObject(value)) throw invalid(param, 'must be an object');
  return value;
}

export function requireArray(value: unknown, param: string): unknown[] {
  if (!Array.isArray(value)) throw invalid(param, 'must be an array');
  return value;
}

/** A finite number in [min, max], or undefined when absent. */
export function optionalNumber(value: unknown, param: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalid(param, `must be a number from ${min} to ${max}`);
  }
  return value;
}

/** A positive safe integer, or undefined when absent. */
export function optionalPositiveInt(value: unknown, param: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    throw invalid(param, 'must be a positive integer');
  }
  return value as number;
}

export function tooMany(param: string, limit: number, what: string, variable: string): GatewayError {
  return new GatewayError(
    ErrorCode.InvalidRequest,
    `${param}: at most ${limit} ${what} are accepted (${variable}).`,
    { param },
  );
}
