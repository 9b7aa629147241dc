import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ROUTE_ACCESS, type RouteAccess } from '../common/route-access';
import type { AdminGuard } from './admin.guard';
import type { ApiKeyGuard } from './api-key.guard';
import { ClientAuthGuard } from './client-auth.guard';
import type { ClientRateLimitGuard } from './client-rate-limit.guard';

/** The global guard over recording stand-ins, for a handler declaring `access` (or nothing). */
function guardFor(access: RouteAccess | undefined, apiKeyAllows = true) {
  const calls: string[] = [];
  const record =
    (name: string, answer = true) =>
    () => {
      calls.push(name);
      return Promise.resolve(answer);
    };
  const guard = new ClientAuthGuard(
    new Reflector(),
    { canActivate: record('api key', apiKeyAllows) } as unknown as ApiKeyGuard,
    { canActivate: record('rate limit') } as unknown as ClientRateLimitGuard,
    { canActivate: record('admin') } as unknown as AdminGuard,
  );
  const handler = () => undefined;
  if (access) Reflect.defineMetadata(ROUTE_ACCESS, access, handler);
  const context = { getHandler: () => handler, getClass: () => class {} } as unknown as ExecutionContext;
  return { calls, allowed: () => guard.canActivate(context) };
}

describe('ClientAuthGuard (the one APP_GUARD)', () => {
  it('runs the admin guard alone on @AdminAuth() routes', async () => {
    const { calls, allowed } = guardFor('admin');
    expect(await allowed()).toBe(true);
    expect(calls).toEqual(['admin']);
  });

  it('lets @Public() routes through without any check', async () => {
    const { calls, allowed } = guardFor('public');
    expect(await allowed()).toBe(true);
    expect(calls).toEqual([]);
  });

  it('checks the client key, then the rate limit, on every other route', async () => {
    const { calls, allowed } = guardFor(undefined);
    expect(await allowed()).toBe(true);
    expect(calls).toEqual(['api key', 'rate limit']);
    const refused = guardFor('client', false);
    expect(await refused.allowed()).toBe(false);
    expect(refused.calls).toEqual(['api key']);
  });
});
