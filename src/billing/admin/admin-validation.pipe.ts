import { ArgumentMetadata, Injectable, PipeTransform, ValidationPipe } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { ErrorCode, GatewayError } from '../../common/errors';

/** The first failed constraint, depth first, with its dotted property path. */
export function firstValidationProblem(
  errors: ValidationError[],
  parent = '',
): { param: string; message: string } | null {
  for (const error of errors) {
    const param = parent ? `${parent}.${error.property}` : error.property;
    const constraints = error.constraints ?? {};
    if (constraints.whitelistValidation) {
      return { param, message: `Unrecognized request argument supplied: ${param}` };
    }
    const first = Object.values(constraints)[0];
    if (first) return { param, message: first };
    const nested = firstValidationProblem(error.children ?? [], param);
    if (nested) return nested;
  }
  return null;
}

/**
 * Strict validation for the admin API: unknown fields are refused, not stripped silently, and
 * every problem is a GatewayError (400 invalid_request_error, `param` naming the field).
 */
export function adminValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors: ValidationError[]) => {
      const problem = firstValidationProblem(errors) ?? { param: '', message: 'Invalid request.' };
      return new GatewayError(ErrorCode.ValidationFailed, problem.message, { param: problem.param || null });
    },
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id in the path that is not a UUID names nothing: 404, as for an unknown id. */
@Injectable()
export class ResourceIdPipe implements PipeTransform<string, string> {
  constructor(private readonly what: string) {}

  transform(value: string, _metadata: ArgumentMetadata): string {
    if (typeof value !== 'string' || !UUID.test(value)) {
      throw new GatewayError(ErrorCode.NotFound, `No ${this.what} with id "${String(value).slice(0, 64)}".`);
    }
    return value.toLowerCase();
  }
}
