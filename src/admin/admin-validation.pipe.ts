import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { isResourceId, noSuchResource } from '../common/resource-id';

/** An id in the path that is not a UUID names nothing: 404, as for an unknown id. */
@Injectable()
export class ResourceIdPipe implements PipeTransform<string, string> {
  constructor(private readonly what: string) {}

  transform(value: string, _metadata: ArgumentMetadata): string {
    if (!isResourceId(value)) throw noSuchResource(this.what, value);
    return value.toLowerCase();
  }
}
