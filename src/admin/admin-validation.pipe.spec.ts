import { ArgumentMetadata } from '@nestjs/common';
import { ErrorCode, GatewayError } from '../common/errors';
import { strictValidationPipe } from '../common/validation';
import { ResourceIdPipe } from './admin-validation.pipe';
import {
  CreateKeyDto,
  CreateTenantDto,
  ListQueryDto,
  PutBudgetDto,
  UpdateTenantDto,
} from '../billing/admin/admin.dto';

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

  it.each([
    ['NUL', 'acme\u0000corp'],
    ['a lone surrogate', 'acme\ud800'],
    ['a lone low surrogate', '\udc00acme'],
    ['a control character', 'acme\u001b[31m'],
    ['a bidirectional override', 'acme\u202egpj.exe'],
  ])('refuses a name with %s (Postgres refused it: 500)', async (_what, name) => {
    for (const dto of [CreateTenantDto, CreateKeyDto, UpdateTenantDto]) {
      const error = await pipe.transform({ name }, body(dto)).catch((e) => e);
      expect(error).toMatchObject({ code: ErrorCode.ValidationFailed, status: 400, param: 'name' });
    }
  });

  it('accepts names in any script, emoji included', async () => {
    for (const name of ['ACME GmbH', 'شركة', '株式会社', 'team 🚀']) {
      await expect(pipe.transform({ name }, body(CreateTenantDto))).resolves.toMatchObject({ name });
    }
  });

  it('bounds list offsets (offset=1e20 was a bigint overflow: 500)', async () => {
    const query = { type: 'query' as const, metatype: ListQueryDto, data: '' };
    await expect(pipe.transform({ offset: '1e20' }, query)).rejects.toMatchObject({ param: 'offset' });
    await expect(pipe.transform({ offset: '25' }, query)).resolves.toMatchObject({ offset: 25 });
  });

  it('rounds limit_usd to nano-USD instead of refusing more decimals', async () => {
    await expect(
      pipe.transform({ limit_usd: 0.1 + 0.2, period: 'daily' }, body(PutBudgetDto)),
    ).resolves.toMatchObject({ limit_usd: 0.3 });
    await expect(
      pipe.transform({ limit_usd: 1e-12, period: 'daily' }, body(PutBudgetDto)),
    ).resolves.toMatchObject({ limit_usd: 0 });
    for (const limit_usd of ['1', null, -1, 1e300, true]) {
      const error = await pipe.transform({ limit_usd, period: 'daily' }, body(PutBudgetDto)).catch((e) => e);
      expect(error).toMatchObject({ status: 400, param: 'limit_usd' });
    }
  });

  it('refuses unknown and prototype keys before transforming anything', async () => {
    const junk = JSON.parse('{"name":"x","__proto__":{"admin":true}}');
    await expect(pipe.transform(junk, body(CreateTenantDto))).rejects.toMatchObject({ param: '__proto__' });
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
