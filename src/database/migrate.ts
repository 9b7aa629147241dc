import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { ConfigError, loadAppConfig } from '../config/app-config';
import { EmbeddedDatabaseHandle, openDataSource } from './database.module';

/**
 * `npm run migration:run`: applies pending migrations to DATABASE_URL (or the embedded database
 * under DATA_DIR) and exits. The gateway also applies them at start-up; this is for deploy
 * pipelines that migrate before rolling out.
 */
async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadAppConfig(process.env, process.argv.slice(2));
  const handle = new EmbeddedDatabaseHandle();
  const dataSource = await openDataSource(config, handle);
  const pending = await dataSource.showMigrations();
  await dataSource.destroy();
  await handle.current?.close();
  process.stdout.write(`migrations applied; pending now: ${pending ? 'yes' : 'none'}\n`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) console.error(`Invalid configuration: ${problem}`);
  } else {
    console.error(`migration failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
});
