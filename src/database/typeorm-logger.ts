import { Logger as NestLogger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';

/** Longest SQL text and message kept in a log line. */
const SQL_MAX_CHARS = 500;
const MESSAGE_MAX_CHARS = 300;

/** Fields of a Postgres error that are identifiers (never data): safe to log. */
const PG_IDENTIFIER_FIELDS = [
  'code',
  'severity',
  'schema',
  'table',
  'column',
  'constraint',
  'dataType',
  'routine',
] as const;

function oneLine(text: string, maxChars: number): string {
  const flat = text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length <= maxChars ? flat : `${flat.slice(0, maxChars - 1)}…`;
}

/**
 * A Postgres message can quote the value that failed (`invalid input syntax for type uuid:
 * "…"`, `value "…" is out of range`): quoted values are hidden, quoted identifiers (relation,
 * constraint, column names) kept.
 */
export function redactSqlErrorMessage(message: string): string {
  const capped = message.slice(0, 2_000);
  return oneLine(capped.replace(/(:\s*|\bvalue\s+)"[^"]*"/gi, '$1"[redacted]"'), MESSAGE_MAX_CHARS);
}

/**
 * What the log may say about a failed query: the SQL text (our own, with $n placeholders),
 * the SQLSTATE code and the identifiers Postgres names, and the message with quoted values
 * hidden. Never the parameters, nor Postgres's `detail` (`Key (name)=(acme) already exists`).
 */
export function describeQueryError(error: unknown, query: string): Record<string, unknown> {
  const fields: Record<string, unknown> = { query: oneLine(query, SQL_MAX_CHARS) };
  if (typeof error === 'object' && error !== null) {
    const record = error as Record<string, unknown>;
    for (const name of PG_IDENTIFIER_FIELDS) {
      const value = record[name];
      if (typeof value === 'string' && /^[\w.$ -]{1,128}$/.test(value)) fields[name] = value;
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  fields.error = redactSqlErrorMessage(message);
  return fields;
}

/**
 * TypeORM's logger, as JSON lines through the application logger (context "Database"). The
 * built-in loggers print failed SQL with its parameters as plain text; this one never logs
 * parameters. Successful queries are not logged at all (TypeORM calls logQuery for every
 * query: it must stay a no-op).
 */
export class StructuredTypeOrmLogger implements TypeOrmLogger {
  private readonly logger = new NestLogger('Database');

  logQuery(): void {
    // Deliberately nothing: parameters are tenant data.
  }

  logQueryError(error: string | Error, query: string): void {
    this.logger.error({ msg: 'query failed', ...describeQueryError(error, query) });
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ msg: 'slow query', durationMs: time, query: oneLine(query, SQL_MAX_CHARS) });
  }

  logSchemaBuild(message: string): void {
    this.logger.debug({ msg: 'schema build', detail: oneLine(message, SQL_MAX_CHARS) });
  }

  logMigration(message: string): void {
    this.logger.log({ msg: 'migration', detail: oneLine(message, SQL_MAX_CHARS) });
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    const text = oneLine(typeof message === 'string' ? message : String(message), MESSAGE_MAX_CHARS);
    if (level === 'warn') this.logger.warn({ msg: text });
    else this.logger.debug({ msg: text });
  }
}
