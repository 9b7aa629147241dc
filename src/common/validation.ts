import { ValidationError, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';
import { ErrorCode, GatewayError } from './errors';

/** "messages.0.content" style path → OpenAI's "messages[0].content". */
function formatPath(segments: string[]): string {
  return segments.reduce((path, segment) => {
    if (/^\d+$/.test(segment)) return `${path}[${segment}]`;
    return path ? `${path}.${segment}` : segment;
  }, '');
}

/** The first (deepest) failing constraint with its property path. */
function firstProblem(
  errors: ValidationError[],
  parents: string[] = [],
): { param: string; message: string } | null {
  for (const error of errors) {
    const path = [...parents, error.property];
    if (error.constraints) {
      const param = formatPath(path);
      if (error.constraints.whitelistValidation) {
        return { param, message: `Unrecognized request argument supplied: ${param}` };
      }
      const message = Object.values(error.constraints)[0];
      // class-validator messages start with the bare property name; name the full path instead.
      const text = message.startsWith(`${error.property} `)
        ? message.slice(error.property.length + 1)
        : message;
      return { param, message: `Invalid value for '${param}': ${text}.` };
    }
    const nested = firstProblem(error.children ?? [], path);
    if (nested) return nested;
  }
  return null;
}

export function validationErrorToGatewayError(errors: ValidationError[]): GatewayError {
  const problem = firstProblem(errors);
  if (!problem) return new GatewayError(ErrorCode.ValidationFailed, 'Invalid request body.');
  return new GatewayError(ErrorCode.ValidationFailed, problem.message, { param: problem.param });
}

/**
 * Strict validation for admin DTOs: unknown fields are refused by name (not stripped silently),
 * every problem is a 400 GatewayError whose `param` names the field.
 */
export function strictValidationPipe(): ValidationPipe {
  return new ValidationPipe(strictValidationOptions);
}

export const strictValidationOptions: ValidationPipeOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  exceptionFactory: validationErrorToGatewayError,
};
