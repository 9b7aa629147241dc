import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '../../src/bootstrap';
import { loadAppConfig } from '../../src/config/app-config';
import { createRootLogger, PinoNestLogger } from '../../src/telemetry/logger';
import { TEST_ENV } from './app';

/** Everything the gateway logged, as the raw lines it would write to stdout. */
export interface CapturedLogs {
  logger: PinoNestLogger;
  /** Raw lines, exactly as written. */
  lines: string[];
  /** Each line parsed (throws if a line is not JSON: that is a finding). */
  records(): Array<Record<string, unknown>>;
}

export function captureLogs(level: 'debug' | 'info' | 'warn' = 'info'): CapturedLogs {
  const lines: string[] = [];
  const destination = { write: (line: string) => void lines.push(line) };
  const logger = new PinoNestLogger(createRootLogger(level, destination));
  return {
    logger,
    lines,
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

export interface LoggedApp {
  app: NestExpressApplication;
  http: TestAgent;
  url: string;
  logs: CapturedLogs;
  close(): Promise<void>;
}

/** Boots the gateway like main.ts does, with its JSON logger writing into memory. */
export async function bootLoggedApp(env: Record<string, string | undefined>): Promise<LoggedApp> {
  const merged: Record<string, string> = { ...TEST_ENV, LOG_LEVEL: 'info' };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  const logs = captureLogs();
  const app = await createApp(loadAppConfig(merged), logs.logger);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    http: request(app.getHttpServer()),
    url: `http://127.0.0.1:${port}`,
    logs,
    close: () => app.close(),
  };
}
