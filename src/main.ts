import 'reflect-metadata';
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { moduleNames } from './app.modules';
import { createApp } from './bootstrap';
import { cgroupCpuLimit, runPrimary, workerCount } from './cluster';
import { AppConfig, ConfigError, describeConfig, loadAppConfig } from './config/app-config';
import { handleShutdownSignals } from './server/graceful-shutdown';
import { createRootLogger, PinoNestLogger } from './telemetry/logger';

/** Reads .env (if present) into the environment, then validates it: one line per problem. */
function readConfig(): AppConfig {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    return loadAppConfig(process.env, process.argv.slice(2));
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) console.error(`Invalid configuration: ${problem}`);
      process.exit(1);
    }
    throw error;
  }
}

async function bootstrap(): Promise<void> {
  const config = readConfig();
  const logger = new PinoNestLogger(createRootLogger(config.logLevel));
  const workers = workerCount(config);
  if (workers > 1 && cluster.isPrimary) {
    runPrimary(workers, (message) => logger.log(message, 'Cluster'));
    const auto =
      config.workers === 0 ? ` (WORKERS=auto; container CPU limit: ${cgroupCpuLimit() ?? 'none'})` : '';
    logger.log(
      `ModelMuxer primary ${process.pid}: ${workers} workers${auto} in ${config.mode} mode`,
      'Cluster',
    );
    return;
  }
  process.on('unhandledRejection', (reason) => {
    logger.error({
      msg: 'unhandled rejection',
      error: reason instanceof Error ? reason.stack : String(reason),
    });
  });
  const app = await createApp(config, logger);
  handleShutdownSignals(app, config);
  await app.listen(config.port, config.host);
  const log = new Logger('ModelMuxer');
  log.log({
    msg: `ModelMuxer listening on http://${config.host}:${config.port} in ${config.mode} mode`,
    modules: moduleNames(config.mode),
    config: describeConfig(config),
  });
  if (config.apiKeys.length === 0 && config.features.staticApiKeys && !config.adminApiKey) {
    log.warn(
      'no API keys: set API_KEYS (comma-separated) or ADMIN_API_KEY to issue keys, or every request gets 401',
    );
  }
  if (config.apiKeys.length > 0 && !config.features.staticApiKeys) {
    log.warn(`API_KEYS is ignored in ${config.mode} mode: only database-issued keys are accepted`);
  }
  if (!config.features.staticApiKeys && !config.adminApiKey) {
    log.warn(
      `no ADMIN_API_KEY in ${config.mode} mode: only platform admin keys issued earlier can issue keys (else every request gets 401)`,
    );
  }
}

bootstrap().catch((error: unknown) => {
  console.error(`ModelMuxer failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
