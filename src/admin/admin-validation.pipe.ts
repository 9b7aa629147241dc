import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { ErrorCode, GatewayError } from '../common/errors';

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
