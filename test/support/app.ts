import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '../../src/bootstrap';
import { AppConfig, loadAppConfig } from '../../src/config/app-config';

export const TEST_API_KEY = 'mm-test-key-0123456789';
export const TEST_ADMIN_KEY = 'mm-admin-key-0123456789abcdef';

/** Defaults for booted test apps: in-memory embedded database, simulator, one static key. */
export const TEST_ENV: Record<string, string> = {
  DATA_DIR: ':memory:',
  TEST_MODE: 'true',
  API_KEYS: TEST_API_KEY,
  LOG_LEVEL: 'error',
  SHUTDOWN_TIMEOUT_MS: '2000',
};

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  /** supertest against the in-process server. */
  http: TestAgent;
  /** http://127.0.0.1:<port> when started with listen: true. */
  url: string;
  close(): Promise<void>;
}

/**
 * Boots the whole gateway exactly as main.ts does (createApp) for a mode, with env overrides.
 * `listen: true` binds a real port (for SDK clients and raw HTTP); otherwise supertest drives
 * the server in-process.
 */
export async function bootTestApp(
  env: Record<string, string | undefined> = {},
  options: { listen?: boolean; argv?: string[] } = {},
): Promise<TestApp> {
  const merged: Record<string, string> = { ...TEST_ENV };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  const config = loadAppConfig(merged, options.argv ?? []);
  const app = await createApp(config, false);
  let url = '';
  if (options.listen) {
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address() as AddressInfo;
    url = `http://127.0.0.1:${address.port}`;
  } else {
    await app.init();
  }
  return {
    app,
    config,
    http: request(app.getHttpServer()),
    url,
    close: () => app.close(),
  };
}

export const authHeader = { authorization: `Bearer ${TEST_API_KEY}` };
