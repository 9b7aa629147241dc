import { ArgumentMetadata } from '@nestjs/common';
import { ErrorCode, GatewayError } from '../../common/errors';
import { strictValidationPipe } from '../../common/validation';
import { ResourceIdPipe } from './admin-validation.pipe';
import { PutBudgetDto, UpdateTenantDto } from './admin.dto';

const body = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({
  type: 'body',
  metatype,
  data: '',
});

describe('admin validation', () => {
  const pipe = strictValidationPipe();

  it('refuses unknown fields by name', async () => {
    const error = await pipe
      .transform({ limit_usd: 1, period: 'daily', extra: 1 }, body(PutBudgetDto))
      .catch((e) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: ErrorCode.ValidationFailed, status: 400, param: 'extra' });
    expect(error.message).toBe('Unrecognized request argument supplied: extra');
  });

  it('names the invalid field', async () => {
    const error = await pipe
      .transform({ limit_usd: 1, period: 'hourly' }, body(PutBudgetDto))
      .catch((e) => e);
    expect(error).toMatchObject({ param: 'period' });
    expect(error.message).toMatch(/^Invalid value for 'period': must be one of/);
  });

  it('accepts a valid body, and null to reset a tenant rate limit', async () => {
    await expect(
      pipe.transform({ limit_usd: 0.5, period: 'total' }, body(PutBudgetDto)),
    ).resolves.toBeInstanceOf(PutBudgetDto);
    await expect(pipe.transform({ rate_limit_rpm: null }, body(UpdateTenantDto))).resolves.toMatchObject({
      rate_limit_rpm: null,
    });
  });

  it('answers 404 for a malformed id', () => {
    const ids = new ResourceIdPipe('tenant');
    expect(ids.transform('0F0E0D0C-0000-4000-8000-000000000000', { type: 'param' })).toBe(
      '0f0e0d0c-0000-4000-8000-000000000000',
    );
    expect(() => ids.transform('1; DROP TABLE tenants', { type: 'param' })).toThrow(
      expect.objectContaining({ code: ErrorCode.NotFound, status: 404 }),
    );
  });
});
